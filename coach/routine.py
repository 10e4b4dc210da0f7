"""The routine runner: countdown, hold each side, rest, next stretch.

It is driven by frame timestamps like everything else and reports, after every
frame, what the person should do now. Controls (skip, repeat, stop) come from
the UI between frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from coach.hold import HoldEvent, HoldSnapshot
from coach.landmarks import Landmarks
from coach.leg_identity import LegIdentity
from coach.measurements import Side
from coach.own_reference import OwnReference
from coach.stretches import Routine, RoutineStep, Stretch, fill_sides
from coach.tracker import StretchTracker, TrackerSettings, TrackerUpdate
from coach.verdicts import CheckStatus, FrameVerdict, StretchEvaluator


class Phase(str, Enum):
    #: The camera's view changes (e.g. from the chair, front-on, to the floor, side-on): waits,
    #: counting no time, until the stretch's `setup_checks` hold for `SETUP_SETTLE_S`.
    SETUP = "setup"
    COUNTDOWN = "countdown"
    #: The stretch's start position (e.g. sitting tall, both feet on the floor): after the
    #: countdown, counting no time, until it is seen for `START_SETTLE_S`, the person is
    #: already in the stretch, or `TrackerSettings.start_timeout_s` has passed.
    START = "start"
    HOLD = "hold"
    REST = "rest"
    DONE = "done"


#: How long the set-up checks must hold without a break before the countdown starts.
SETUP_SETTLE_S = 1.0

#: How long the start position must be seen without a break before the hold begins.
START_SETTLE_S = 0.5

#: For how long after the start position the instruction says what to do next (its `then`),
#: before the cues of the stretch take over.
THEN_SHOWN_S = 4.0

#: How the camera should see the person, in the set-up instruction (`Stretch.view`).
VIEW_WORDS = {"side": "side-on", "front": "from the front"}


@dataclass(frozen=True)
class Slot:
    """One hold of the routine: a stretch on one side, one repetition."""

    stretch: Stretch
    side: Side | None
    rep: int
    reps: int
    hold_seconds: float
    rest_seconds: float

    @property
    def label(self) -> str:
        side = f", {self.side} side" if self.side else ""
        rep = f" (set {self.rep} of {self.reps})" if self.reps > 1 else ""
        return f"{self.stretch.name}{side}{rep}"


@dataclass(frozen=True)
class HoldResult:
    """How one hold went: the numbers a therapist reads."""

    stretch_id: str
    side: Side | None
    rep: int
    target_s: float
    held_s: float
    longest_run_s: float
    time_to_first_correct_s: float | None
    completed: bool
    skipped: bool
    top_cues: tuple[tuple[str, float], ...]
    events: tuple[HoldEvent, ...]
    #: Frames of this hold whose leg labels were swapped back (`coach.leg_identity`).
    legs_swapped: int = 0

    def record(self) -> dict[str, Any]:
        """The hold as a summary's hold record (the session log's `live.holds`, the results tables)."""
        return {"stretch": self.stretch_id, "side": self.side, "rep": self.rep, "held_s": self.held_s,
                "target_s": self.target_s, "completed": self.completed, "skipped": self.skipped,
                "longest_hold_s": self.longest_run_s, "time_to_first_correct_s": self.time_to_first_correct_s,
                "top_cues": [list(cue) for cue in self.top_cues], "legs_swapped": self.legs_swapped}


@dataclass(frozen=True)
class RoutineStatus:
    """What the person should do now, for the UI.

    `phase`, `slot` and `update` describe the frame just judged: the frame that
    completes a hold reports that hold (phase hold, the timer "complete"), so a log
    records the completion under it; `instruction` already says what comes next.
    """

    phase: Phase
    slot_index: int
    slot_count: int
    slot: Slot | None
    instruction: str
    phase_remaining_s: float
    update: TrackerUpdate | None
    #: This frame's leg chains came swapped from the pose model and were swapped back.
    legs_swapped: bool = False
    #: In the start phase, the start position's verdict (its own checks); None otherwise.
    #: What the panel lists and the skeleton colours then (`coach.judged_frame`).
    start_verdict: FrameVerdict | None = None

    @property
    def hold(self) -> HoldSnapshot | None:
        return self.update.hold if self.update else None


def stretch_routine(
    stretch: Stretch,
    sides: tuple[Side | None, ...] | None = None,
    countdown_s: float = 5.0,
    reps: int | None = None,
) -> Routine:
    """A routine of one stretch on the chosen sides (default: both, right first).

    ``reps``: holds per side (default: the stretch's own); a recorded video of one
    stretch is read as one hold (``reps=1``, no countdown).
    """
    chosen = sides or stretch.sides()
    step = RoutineStep(stretch.id, chosen, reps or stretch.reps, stretch.hold_seconds, stretch.rest_seconds)
    return Routine(stretch.id, stretch.name, stretch.summary, countdown_s, (step,))


def expand_slots(routine: Routine, stretches: dict[str, Stretch]) -> list[Slot]:
    """Unroll a routine into its holds, in order: each side of each step, rep by rep."""
    slots = []
    for step in routine.steps:
        stretch = stretches[step.stretch_id]
        for side in step.sides:
            for rep in range(1, step.reps + 1):
                slots.append(Slot(stretch, side, rep, step.reps, step.hold_seconds, step.rest_seconds))
    return slots


@dataclass
class RoutineRunner:
    """Steps through a routine frame by frame."""

    routine: Routine
    stretches: dict[str, Stretch]
    settings: TrackerSettings = field(default_factory=TrackerSettings)
    slots: list[Slot] = field(init=False)
    results: list[HoldResult] = field(init=False, default_factory=list)
    phase: Phase = field(init=False, default=Phase.COUNTDOWN)
    index: int = field(init=False, default=0)
    tracker: StretchTracker | None = field(init=False, default=None)
    stopped: bool = field(init=False, default=False)
    _events: list[tuple[Slot, HoldEvent]] = field(init=False, default_factory=list)
    _events_seen: int = field(init=False, default=0)
    _phase_start: float | None = field(init=False, default=None)
    _hold_start: float | None = field(init=False, default=None)
    _last_t: float | None = field(init=False, default=None)
    _setup_ok_since: float | None = field(init=False, default=None)
    _start_judge: StretchEvaluator | None = field(init=False, default=None)
    #: The frames the start position was seen on (the start-relative checks' reference).
    _start_seen: OwnReference = field(init=False, default_factory=lambda: OwnReference(START_SETTLE_S))
    #: While a start-relative length has no reference in the hold (the start position was not
    #: seen, or was dropped by a pause): the hold's correct frames, to take one from.
    _hold_seen: OwnReference | None = field(init=False, default=None)
    #: One leg identity for the whole session: it carries which leg is which across holds.
    legs: LegIdentity = field(init=False, default_factory=LegIdentity)
    _swaps_at_slot_start: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.slots = expand_slots(self.routine, self.stretches)
        self._start_slot()

    # ------------------------------------------------------------ controls
    def skip(self) -> None:
        """Give up the current hold (recorded as skipped) and move on."""
        if self.phase is Phase.DONE:
            return
        if self.phase in (Phase.SETUP, Phase.COUNTDOWN, Phase.START, Phase.HOLD):
            self._record(skipped=True)
        self._next_slot()

    def repeat(self) -> None:
        """Start the current hold again from the countdown (the try so far is discarded)."""
        if self.phase is Phase.DONE:
            return
        if self.phase is Phase.REST:
            self.results.pop()  # resting after a hold: that hold is done again
        self._start_slot()

    def ready(self) -> None:
        """The person says they are set up (the Ready button): the set-up step ends and the
        countdown starts with the next frame, whether or not the camera has seen them yet."""
        if self.phase is Phase.SETUP:
            self.phase, self._phase_start = self._after_setup(), None

    def forget_start_reference(self) -> None:
        """The camera or the chair may have moved (the session was paused): what the start
        position measured is no longer comparable. A length takes its reference again from the
        hold's next correct moments; a turn is not judged for the rest of this hold (the next
        hold takes its own start position)."""
        if self.tracker is not None:
            self._set_reference([])
        self._start_seen.clear()

    def stop(self) -> None:
        """End the routine now; an unfinished hold is recorded as skipped."""
        if self.phase in (Phase.SETUP, Phase.COUNTDOWN, Phase.START, Phase.HOLD):
            self._record(skipped=True)
        self.phase = Phase.DONE
        self.tracker = None
        self.stopped = True

    # ------------------------------------------------------------ internals
    @property
    def slot(self) -> Slot | None:
        return self.slots[self.index] if self.index < len(self.slots) else None

    def drain_events(self) -> list[tuple[Slot, HoldEvent]]:
        """Hold-timer events since the last call, with the hold they belong to.

        For writing them to a session log as they happen (not only when a hold ends).
        """
        self._collect_events()
        drained, self._events = self._events, []
        return drained

    def _collect_events(self) -> None:
        if self.tracker is not None and self.slot is not None:
            events = self.tracker.timer.events
            self._events.extend((self.slot, e) for e in events[self._events_seen:])
            self._events_seen = len(events)

    def _start_slot(self) -> None:
        self._collect_events()
        self._events_seen = 0
        slot = self.slot
        if slot is None:
            self.phase = Phase.DONE
            self.tracker = None
            return
        self.tracker = StretchTracker(slot.stretch, slot.side, slot.hold_seconds, self.settings)
        self.phase = Phase.SETUP if self.needs_setup(self.index) else self._after_setup()
        self._phase_start = None
        self._hold_start = None
        self._setup_ok_since = None
        self._start_seen.clear()
        self._hold_seen = None
        self._swaps_at_slot_start = self.legs.swaps
        start = slot.stretch.start
        self._start_judge = None if start is None else StretchEvaluator(
            replace(slot.stretch, checks=start.checks), slot.side)

    def _after_setup(self) -> Phase:
        return Phase.COUNTDOWN if self.routine.countdown_seconds > 0 else self._after_countdown()

    def _after_countdown(self) -> Phase:
        assert self.slot is not None
        return Phase.START if self.slot.stretch.start is not None else Phase.HOLD

    def needs_setup(self, index: int) -> bool:
        """Hold `index` starts with a set-up step: the camera's view changes from the hold
        before it (not before the first hold) and its stretch names `setup_checks`."""
        if not 0 < index < len(self.slots):
            return False
        stretch, before = self.slots[index].stretch, self.slots[index - 1].stretch
        return bool(stretch.setup_checks) and stretch.view != "either" and stretch.view != before.view

    def _setup_seen(self, update: TrackerUpdate) -> bool:
        """Every set-up check of this frame's verdict is OK (nobody in view: not seen)."""
        assert self.slot is not None
        wanted = set(self.slot.stretch.setup_checks)
        ok = {c.check_id for c in update.verdict.checks if c.status is CheckStatus.OK}
        return update.verdict.person_visible and wanted <= ok

    def _next_slot(self) -> None:
        self.index += 1
        self._start_slot()

    def _record(self, skipped: bool) -> None:
        self._collect_events()
        slot, tracker = self.slot, self.tracker
        if slot is None or tracker is None:
            return
        timer = tracker.timer
        first = timer.first_correct_s
        start = self._hold_start if self._hold_start is not None else timer.started_s
        self.results.append(
            HoldResult(
                stretch_id=slot.stretch.id,
                side=slot.side,
                rep=slot.rep,
                target_s=slot.hold_seconds,
                held_s=round(timer.held_s, 2),
                longest_run_s=round(timer.longest_run_s, 2),
                time_to_first_correct_s=None if first is None or start is None else round(first - start, 2),
                completed=tracker.complete,
                skipped=skipped,
                top_cues=tuple((cue, round(s, 1)) for cue, s in tracker.cue_seconds.most_common(3)),
                events=tuple(timer.events),
                legs_swapped=self.legs.swaps - self._swaps_at_slot_start,
            )
        )

    def _instruction(self, update: TrackerUpdate | None, remaining: float) -> str:
        slot = self.slot
        if self.stopped:
            return "Session ended."
        if self.phase is Phase.DONE or slot is None:
            return "Routine complete. Well done."
        if self.phase is Phase.SETUP:
            view = VIEW_WORDS.get(slot.stretch.view, slot.stretch.view)
            return (f"Set up for {slot.stretch.name}: move the laptop so it sees you {view}. "
                    f"The countdown starts when the camera sees you {view}.")
        if self.phase is Phase.COUNTDOWN:
            return f"Get ready: {slot.label}. Starting in {max(1, int(remaining + 0.999))}"
        if self.phase is Phase.START:
            start = slot.stretch.start
            assert start is not None
            return f"{fill_sides(start.cue, slot.side)}. The hold starts when the camera sees you there."
        if self.phase is Phase.REST:
            nxt = self.slots[self.index + 1] if self.index + 1 < len(self.slots) else None
            if nxt is None:
                return "Rest"
            if nxt.stretch.id == slot.stretch.id and nxt.side != slot.side and nxt.side:
                return f"Rest, then switch to the {nxt.side} side"
            return f"Rest. Next: {nxt.label}"
        assert update is not None
        start = slot.stretch.start
        just_started = (self._hold_start is not None and self._last_t is not None
                        and self._last_t - self._hold_start < THEN_SHOWN_S)
        if (start is not None and start.then and just_started and update.verdict.person_visible
                and not update.verdict.correct):
            return fill_sides(start.then, slot.side)  # from the start position into the stretch
        if update.verdict.correct:
            # The hold counts; a depth cue (how far to go) comes after, never instead.
            counting = f"Hold: {update.hold.remaining_s:.0f} s to go"
            return f"{counting}. {update.cue}" if update.cue else counting
        return update.cue or "Get into position"

    def update(self, landmarks: Landmarks | None, timestamp_s: float) -> RoutineStatus:
        """Process one frame (``landmarks=None``: nobody found) and advance the routine."""
        t = float(timestamp_s)
        if self._last_t is not None and t < self._last_t:
            t = self._last_t  # never step time backwards
        self._last_t = t
        if self._phase_start is None:
            self._phase_start = t
        # Before anything is measured: each leg keeps its identity through a crossing.
        landmarks = self.legs(landmarks)
        legs_swapped = self.legs.swapped
        update: TrackerUpdate | None = None
        remaining = 0.0

        if self.phase is Phase.SETUP:
            assert self.tracker is not None
            update = self.tracker.update(landmarks, t, count_time=False)
            if not self._setup_seen(update):
                self._setup_ok_since = None
            elif self._setup_ok_since is None:
                self._setup_ok_since = t
            elif t - self._setup_ok_since >= SETUP_SETTLE_S:
                self.phase, self._phase_start = self._after_setup(), t
        if self.phase is Phase.COUNTDOWN:
            assert self.tracker is not None
            update = self.tracker.update(landmarks, t, count_time=False)
            remaining = self.routine.countdown_seconds - (t - self._phase_start)
            if remaining <= 0:
                self.phase, self._phase_start = self._after_countdown(), t
                remaining = 0.0
        start_verdict: FrameVerdict | None = None
        if self.phase is Phase.START:
            update, start_verdict = self._start_phase(landmarks, t)
        finished: Slot | None = None
        finished_index = self.index
        if self.phase is Phase.HOLD:
            assert self.tracker is not None and self.slot is not None
            if self._hold_start is None:
                self._hold_start = t
            update = self.tracker.update(landmarks, t, count_time=True)
            self._take_reference_in_the_hold(update, t)
            remaining = update.hold.remaining_s
            if self.tracker.complete:
                finished = self.slot
                self._record(skipped=False)
                if self.slot.rest_seconds > 0 and self.index + 1 < len(self.slots):
                    self.phase, self._phase_start = Phase.REST, t
                    remaining = self.slot.rest_seconds
                else:
                    self._next_slot()
                    self._phase_start = t
        elif self.phase is Phase.REST:
            assert self.slot is not None
            remaining = self.slot.rest_seconds - (t - self._phase_start)
            if remaining <= 0:
                self._next_slot()
                self._phase_start = t
                remaining = self.routine.countdown_seconds if self.phase is Phase.COUNTDOWN else 0.0
        instruction = self._instruction(update, remaining)
        if finished is not None:
            # The frame that completed a hold belongs to that hold: its record must carry the
            # timer's "complete" under that hold (not the rest, nor the next slot's countdown).
            return RoutineStatus(Phase.HOLD, finished_index, len(self.slots), finished,
                                 instruction, max(0.0, remaining), update, legs_swapped)
        return RoutineStatus(
            phase=self.phase,
            slot_index=min(self.index, len(self.slots)),
            slot_count=len(self.slots),
            slot=self.slot,
            instruction=instruction,
            phase_remaining_s=max(0.0, remaining),
            update=update,
            legs_swapped=legs_swapped,
            start_verdict=start_verdict if self.phase is Phase.START else None,
        )

    def _set_reference(self, start_frames: list[Landmarks]) -> None:
        """The start-relative checks are measured against these frames of the start position
        from now on; a length left without a reference takes it from the hold
        (`_take_reference_in_the_hold`)."""
        assert self.tracker is not None
        evaluator = self.tracker.evaluator
        evaluator.set_start_reference(start_frames)
        self._hold_seen = OwnReference(START_SETTLE_S) if evaluator.missing_hold_reference else None

    def _take_reference_in_the_hold(self, update: TrackerUpdate, t: float) -> None:
        """The start position was not seen (the person began in the stretch, the start phase
        timed out) or was dropped (a pause): the first `START_SETTLE_S` of the hold in which
        every other gate holds become the reference instead, so that a slump later in the hold
        is still caught. A hold begun already slumped is not (it has nothing taller to compare with);
        nor is a turn (the hold's first moments are already turned: it stays unjudged)."""
        if self._hold_seen is None:
            return
        correct = update.verdict.person_visible and update.verdict.correct
        if self._hold_seen.see(update.landmarks if correct else None, t):
            assert self.tracker is not None
            evaluator = self.tracker.evaluator
            evaluator.fill_hold_reference(self._hold_seen.frames)
            # (frames on which the check could not be measured at all leave it waiting: try again)
            self._hold_seen = OwnReference(START_SETTLE_S) if evaluator.missing_hold_reference else None

    def _start_phase(self, landmarks: Landmarks | None, t: float) -> tuple[TrackerUpdate, FrameVerdict]:
        """One frame of the start position (the tracker's update, the start checks' verdict);
        moves on to the hold when it is time.

        Seen for `START_SETTLE_S`: the legs are uncrossed, so their labels are anchored to
        the hips, and the checks measured against the start position (``scale = "start"``)
        take their reference from the frames it was seen on (none seen: they stay unjudged).
        Already in the stretch (every gate holds), or waited for `start_timeout_s`: go on
        anyway. The hold timer does not run here.
        """
        assert self.tracker is not None and self._start_judge is not None and self._phase_start is not None
        update = self.tracker.update(landmarks, t, count_time=False)
        start = self._start_judge.evaluate(update.landmarks, t)
        seen = start.person_visible and all(c.status is CheckStatus.OK for c in start.checks)
        if seen:
            self.legs.anchor()
        settled = self._start_seen.see(update.landmarks if seen else None, t)
        timed_out = t - self._phase_start >= self.settings.start_timeout_s
        if settled or update.verdict.correct or timed_out:
            self.phase, self._phase_start, self._hold_start = Phase.HOLD, t, t
            self._set_reference(self._start_seen.frames)
            return update, start
        # What to correct about the start position, not about the stretch not yet begun.
        return replace(update, cue=None if seen else start.cue), start
