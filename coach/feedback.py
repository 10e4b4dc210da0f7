"""Feedback: which cue the person sees (and hears) now.

The verdict stage picks the most important failing check on every frame. Shown
as is, two checks near their limits can make the text jump between cues several
times a second. The `CueSelector` keeps a cue up for at least `min_show_s`
unless its own check has clearly been fixed. A cue of the other kind replaces
it at once: when every gate holds, a correction is cleared at once (never nag a
right pose; an encouraging depth cue may take its place), and when a gate
fails, its correction replaces a depth cue at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.verdicts import FrameVerdict


@dataclass
class CueSelector:
    """Stabilises the cue over time, using frame timestamps.

    A different cue replaces the current one when the current one has been up
    for `min_show_s`, or when its own check has stayed fixed for `fixed_for_s`.
    """

    min_show_s: float = 1.5
    fixed_for_s: float = 0.3
    _cue: str | None = None
    #: Whether the cue shown was given while the pose was correct (a depth cue).
    _while_correct: bool = False
    _since: float = 0.0
    _fixed_since: float | None = None

    def reset(self) -> None:
        self._cue = None
        self._fixed_since = None

    def _show(self, cue: str | None, t: float, while_correct: bool) -> str | None:
        if cue != self._cue:
            self._since = t
        self._cue, self._fixed_since, self._while_correct = cue, None, while_correct
        return cue

    def select(self, verdict: FrameVerdict) -> str | None:
        t = verdict.timestamp_s
        wanted = verdict.cue
        if wanted is None:
            return self._show(None, t, verdict.correct)
        if self._cue is None or wanted == self._cue or self._while_correct != verdict.correct:
            return self._show(wanted, t, verdict.correct)
        if any(c.cue == self._cue for c in verdict.checks):
            self._fixed_since = None
        elif self._fixed_since is None:
            self._fixed_since = t
        fixed = self._fixed_since is not None and t - self._fixed_since >= self.fixed_for_s
        if fixed or t - self._since >= self.min_show_s:
            return self._show(wanted, t, verdict.correct)
        return self._cue
