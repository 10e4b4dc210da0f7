"""Stream time from the frames' own timestamps (never frame counts, never the wall clock)."""

from __future__ import annotations

import math
from collections.abc import Callable

#: A stream time that jumps back by more than this is a new time base (e.g. RTP wrap).
BACKWARD_JUMP_S = 2.0


class StreamClock:
    """Seconds since a stream's first frame, from ``frame.time`` (pts × time_base).

    Dropped frames and a changing frame rate do not bend the hold timer; only a frame
    without a timestamp falls back to ``fallback`` (the wall clock). Time never runs
    backwards: a new time base continues where the old one stopped.
    """

    def __init__(self, fallback: Callable[[], float]) -> None:
        self._fallback = fallback
        self.reset()

    def reset(self) -> None:
        """A new stream: the next frame is time zero."""
        self._t0: float | None = None
        self._last_raw: float | None = None
        self._last = 0.0

    @property
    def started(self) -> bool:
        return self._t0 is not None

    def __call__(self, raw_t: float | None) -> float:
        if raw_t is None or not math.isfinite(raw_t):
            raw_t = self._fallback()
        if self._t0 is None:
            self._t0 = raw_t
        elif self._last_raw is not None and raw_t < self._last_raw - BACKWARD_JUMP_S:
            self._t0 = raw_t - self._last - 1.0 / 30.0  # a new time base: continue where we were
        self._last_raw = raw_t
        t = max(raw_t - self._t0, self._last)
        self._last = t
        return t
