"""The hold timer: counts only time during which the pose is correct.

All timing comes from frame timestamps, never frame counts: webcam frames arrive
at irregular rates and a slow consumer drops some. The time between two
consecutive correct frames is counted; an interval that ends or starts a wrong
stretch counts half (the change happened somewhere inside it), which keeps the
total unbiased at any frame rate.

States:
    waiting   no correct pose yet in this hold;
    settling  correct, but not yet for `settle_s` (debounce: a one-frame
              "correct" is not praised); if it stays correct the settling time
              is credited, otherwise it is dropped;
    holding   correct and counting;
    paused    wrong or not visible: counting stops at once, time is kept;
    complete  the target was reached.

A long absence (no person, or no frames at all, for `absence_reset_s`) starts a
new hold; so does a side switch (a new timer per side). Every transition is
an event with a timestamp so a session can be reported later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class HoldState(str, Enum):
    WAITING = "waiting"
    SETTLING = "settling"
    HOLDING = "holding"
    PAUSED = "paused"
    COMPLETE = "complete"


@dataclass(frozen=True)
class HoldSettings:
    """Tuning of the timer (seconds)."""

    target_s: float = 30.0
    settle_s: float = 0.5
    absence_reset_s: float = 10.0
    max_frame_gap_s: float = 1.0

    def __post_init__(self) -> None:
        if self.target_s <= 0:
            raise ValueError("hold target must be > 0 s")
        if min(self.settle_s, self.absence_reset_s, self.max_frame_gap_s) < 0:
            raise ValueError("hold timer settings must be >= 0 s")


@dataclass(frozen=True)
class HoldEvent:
    """A state change of the timer; `held_s` is the total counted at that moment."""

    timestamp_s: float
    state: HoldState
    held_s: float
    reason: str = ""


@dataclass(frozen=True)
class HoldSnapshot:
    """What the UI needs to show about the hold right now."""

    state: HoldState
    held_s: float
    target_s: float
    current_run_s: float
    longest_run_s: float
    first_correct_s: float | None

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.target_s - self.held_s)

    @property
    def progress(self) -> float:
        return min(1.0, self.held_s / self.target_s)


@dataclass
class HoldTimer:
    """Accumulates correct time for one stretch on one side."""

    settings: HoldSettings = field(default_factory=HoldSettings)
    state: HoldState = HoldState.WAITING
    held_s: float = 0.0
    events: list[HoldEvent] = field(default_factory=list)
    longest_run_s: float = 0.0
    first_correct_s: float | None = None
    started_s: float | None = None
    _last_t: float | None = None
    _last_correct: bool = False
    _settle_start: float | None = None
    _settle_credit: float = 0.0
    _run_s: float = 0.0
    _absent_since: float | None = None

    def _emit(self, t: float, state: HoldState, reason: str = "") -> None:
        self.state = state
        self.events.append(HoldEvent(t, state, round(self.held_s, 3), reason))

    def _credit(self, seconds: float) -> None:
        self.held_s += seconds
        self._run_s += seconds
        self.longest_run_s = max(self.longest_run_s, self._run_s)

    def _new_hold(self, t: float, reason: str) -> None:
        self.held_s = 0.0
        self._run_s = 0.0
        self._settle_start = None
        self._settle_credit = 0.0
        self._emit(t, HoldState.WAITING, reason)

    def update(self, timestamp_s: float, correct: bool, person_visible: bool = True) -> HoldSnapshot:
        """Feed one frame's verdict. Frames must come in time order; older ones are ignored."""
        t = float(timestamp_s)
        if self._last_t is not None and t <= self._last_t:
            return self.snapshot()
        if self.started_s is None:
            self.started_s = t
        gap = None if self._last_t is None else t - self._last_t
        stalled = gap is not None and gap > self.settings.max_frame_gap_s

        if self.state is HoldState.COMPLETE:
            self._last_t, self._last_correct = t, correct
            return self.snapshot()

        # Absence: no person, or a stream that stopped delivering frames.
        if not person_visible:
            if self._absent_since is None:
                self._absent_since = self._last_t if self._last_t is not None else t
        elif stalled and self._absent_since is None:
            self._absent_since = self._last_t
        absent_for = 0.0 if self._absent_since is None else t - self._absent_since
        if absent_for >= self.settings.absence_reset_s and (self.held_s > 0 or self.state is not HoldState.WAITING):
            self._new_hold(t, f"absent for {absent_for:.1f} s")
        if person_visible:
            self._absent_since = None

        # The interval since the last frame: fully correct, half (a change inside it), or wrong.
        if gap is not None and not stalled and self.state in (HoldState.HOLDING, HoldState.SETTLING):
            if self._last_correct and correct:
                interval_credit = gap
            elif self._last_correct != correct:
                interval_credit = gap / 2.0
            else:
                interval_credit = 0.0
        else:
            interval_credit = 0.0

        if correct:
            if self.first_correct_s is None:
                self.first_correct_s = t
            if self.state in (HoldState.WAITING, HoldState.PAUSED) or stalled:
                self._settle_start = t
                # Half of the interval in which the pose became correct (see module doc).
                self._settle_credit = gap / 2.0 if gap is not None and not stalled else 0.0
                self._run_s = 0.0
                if self.state is not HoldState.SETTLING:
                    self._emit(t, HoldState.SETTLING)
            elif self.state is HoldState.SETTLING:
                self._settle_credit += interval_credit
            else:  # holding
                self._credit(interval_credit)
            if self.state is HoldState.SETTLING and self._settle_start is not None:
                if t - self._settle_start >= self.settings.settle_s:
                    self._credit(self._settle_credit)
                    self._settle_start = None
                    self._emit(t, HoldState.HOLDING)
        else:
            if self.state is HoldState.HOLDING:
                self._credit(interval_credit)
                self._run_s = 0.0
                self._emit(t, HoldState.PAUSED, "pose not correct" if person_visible else "not in view")
            elif self.state is HoldState.SETTLING:
                self._settle_start = None
                self._settle_credit = 0.0
                self._emit(t, HoldState.PAUSED if self.held_s > 0 else HoldState.WAITING, "settling interrupted")

        if self.held_s >= self.settings.target_s and self.state is not HoldState.COMPLETE:
            self.held_s = self.settings.target_s
            self._emit(t, HoldState.COMPLETE)
        self._last_t, self._last_correct = t, correct
        return self.snapshot()

    def snapshot(self) -> HoldSnapshot:
        return HoldSnapshot(
            state=self.state,
            held_s=self.held_s,
            target_s=self.settings.target_s,
            current_run_s=self._run_s if self.state is HoldState.HOLDING else 0.0,
            longest_run_s=self.longest_run_s,
            first_correct_s=self.first_correct_s,
        )
