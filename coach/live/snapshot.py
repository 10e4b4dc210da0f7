"""What the side panel shows: an immutable snapshot of the live session, replaced as a whole.

The judge thread publishes one after every judged frame; the page's script thread reads
it twice a second. Being frozen and swapped in one reference store, a reader always sees
one consistent frame without holding any lock for long.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from coach.judged_frame import CheckRow, JudgedFrame
from coach.live.session import LiveSession
from coach.person_size import too_small
from coach.routine import HoldResult, Phase

__all__ = ["CheckRow", "FrameStats", "LiveSnapshot", "snapshot_of"]


@dataclass(frozen=True)
class LiveSnapshot:
    """The state after the latest judged frame."""

    session_id: int = 0
    frames: int = 0  # judged frames in this session (0: nothing to claim yet)
    stream_active: bool = False
    t: float = 0.0  # session seconds (frame timestamps)
    fps: float = 0.0  # judged frames per wall-clock second, last ~2 s
    model_ms: float = 0.0  # pose model time per frame (median of the last 30 frames)
    frame_ms: float = 0.0  # whole judging time per frame (median of the last 30 frames)
    frame_size: tuple[int, int] | None = None
    phase: str | None = None
    slot_index: int = 0
    slot_count: int = 0
    slot_label: str = ""
    stretch_id: str | None = None
    side: str | None = None
    instruction: str = ""
    phase_remaining_s: float = 0.0
    hold_state: str | None = None
    held_s: float = 0.0
    target_s: float = 0.0
    correct: bool | None = None
    cue: str | None = None
    person_visible: bool = False
    people_in_view: int = 0
    #: The person's recent height in the picture (pixels; None: not seen), and whether it is
    #: below what this stretch needs to be read reliably (its file's `min_person_height_px`).
    person_height_px: float | None = None
    too_small: bool = False
    checks: tuple[CheckRow, ...] = ()
    done: bool = False
    stopped: bool = False  # done, but not every hold was finished (Stop, Skip, camera stopped)
    results: tuple[HoldResult, ...] = ()
    log_path: str | None = None
    log_closed: bool = False
    error: str | None = None
    updated_at: float = 0.0  # time.monotonic() of the last update
    paused: str | None = None  # why the session is paused (None: it is not)
    stuck_s: float = 0.0  # seconds of this hold without any time counted
    stuck: bool = False  # long enough to offer to skip the hold or show the set-up again

    @property
    def started(self) -> bool:
        return self.frames > 0


def _median(values: deque[float]) -> float:
    return float(np.median(values)) if values else 0.0


class FrameStats:
    """Judged frames a second and the model's and the judging's time per frame (for the panel)."""

    def __init__(self) -> None:
        self._walls: deque[float] = deque(maxlen=60)
        self.model_ms: deque[float] = deque(maxlen=30)
        self.frame_ms: deque[float] = deque(maxlen=30)

    def clear(self) -> None:
        self._walls.clear()
        self.model_ms.clear()
        self.frame_ms.clear()

    def judged_at(self, wall: float) -> None:
        self._walls.append(wall)

    def fps(self) -> float:
        walls = self._walls
        if len(walls) < 2:
            return 0.0
        recent = [w for w in walls if walls[-1] - w <= 2.0]
        if len(recent) < 2 or recent[-1] <= recent[0]:
            return 0.0
        return (len(recent) - 1) / (recent[-1] - recent[0])


def snapshot_of(session: LiveSession, judged: JudgedFrame, stats: FrameStats,
                frame_size: tuple[int, int], now: float | None = None) -> LiveSnapshot:
    """The panel's view of a judged frame."""
    status, update = judged.status, judged.update
    slot = status.slot
    hold_state, held, target = None, 0.0, slot.hold_seconds if slot else 0.0
    correct = cue = None
    if update is not None:
        correct, cue = update.verdict.correct, update.cue  # the steadied cue, as on the video
        hold_state, held, target = update.hold.state.value, update.hold.held_s, update.hold.target_s
    done = status.phase is Phase.DONE
    return LiveSnapshot(
        session_id=session.session_id,
        frames=session.frames,
        stream_active=True,
        t=judged.t,
        fps=stats.fps(),
        model_ms=_median(stats.model_ms),
        frame_ms=_median(stats.frame_ms),
        frame_size=frame_size,
        phase=status.phase.value,
        slot_index=status.slot_index,
        slot_count=status.slot_count,
        slot_label=slot.label if slot else "",
        stretch_id=slot.stretch.id if slot else None,
        side=slot.side if slot else None,
        instruction=status.instruction,
        phase_remaining_s=status.phase_remaining_s,
        hold_state=hold_state,
        held_s=held,
        target_s=target,
        correct=correct,
        cue=cue,
        person_visible=judged.landmarks is not None,
        people_in_view=judged.people_in_view,
        person_height_px=session.person_height_px,
        too_small=slot is not None and too_small(slot.stretch, session.person_height_px),
        checks=judged.checks,
        done=done,
        stopped=done and session.ended_early,
        results=tuple(session.runner.results),
        log_path=session.log_path,
        log_closed=session.closed,
        error=None,
        updated_at=time.monotonic() if now is None else now,
        paused=session.paused,
        stuck_s=session.stuck_s,
        stuck=session.stuck,
    )
