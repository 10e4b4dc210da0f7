"""One judged frame, in the form every consumer needs: the step after the routine runner.

The live coach and `coach analyze` both turn a pose-model result into the same things:
the title and instruction drawn on the video, the session-log frame record and hold
events, and the check rows the side panel lists. They get them here, from one
function, so the rules (what a resting frame shows, how a stopped session reads, how a
check is described) live in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from coach.landmarks import Landmarks
from coach.routine import Phase, RoutineRunner, RoutineStatus
from coach.session_log import event_record, frame_record
from coach.stretches import Check, fill_sides
from coach.tracker import TrackerUpdate
from coach.verdicts import PASSING_STATUSES, CheckStatus, FrameVerdict

#: What the video says when a session ended before every hold was finished.
SESSION_ENDED_INSTRUCTION = "Session ended. Your summary is on the page."


class PoseReading(Protocol):
    """What the judge needs of a pose-model result (`coach.estimator.PoseResult`)."""

    @property
    def landmarks(self) -> Landmarks | None: ...

    @property
    def people_in_view(self) -> int: ...

    @property
    def second_person(self) -> bool: ...


@dataclass(frozen=True)
class CheckRow:
    """One check of the current frame, ready to show."""

    check_id: str
    description: str
    status: str  # ok, too_low, too_high, not_visible, unjudged
    value: float | None
    unit: str
    target: str  # the engine's short form, e.g. "≥ 0.28 × torso"
    cue: str | None
    target_min: float | None = None
    target_max: float | None = None
    #: "gate" (must hold for the hold to count) or "depth" (how far; never stops the hold).
    role: str = "gate"

    @property
    def ok(self) -> bool:
        return self.status == CheckStatus.OK.value

    @property
    def passes(self) -> bool:
        """Does not stop the hold: ok, or not judgeable without the start position."""
        return CheckStatus(self.status) in PASSING_STATUSES


@dataclass(frozen=True)
class JudgedFrame:
    """A frame after the routine runner: what to draw, log and show."""

    t: float  # session seconds
    status: RoutineStatus
    #: The tracker's result while a hold (or its countdown) is on; None while resting or done.
    update: TrackerUpdate | None
    landmarks: Landmarks | None  # the person found (drawn plainly when there is no update)
    people_in_view: int
    second_person: bool
    title: str
    instruction: str
    #: The session-log frame record (None when nothing was judged: resting, done).
    record: dict[str, Any] | None
    #: Hold-timer events since the previous frame, as session-log records.
    events: tuple[dict[str, Any], ...]
    #: What the person is judged on now, listed in `checks` and coloured on the skeleton: the
    #: start position's checks in the start phase, else the stretch's (None: nothing judged).
    verdict: FrameVerdict | None
    checks: tuple[CheckRow, ...]


def ended_early(runner: RoutineRunner) -> bool:
    """The routine ended without finishing every hold (stopped, skipped, camera gone)."""
    return not runner.results or any(r.skipped for r in runner.results)


def routine_title(runner: RoutineRunner, status: RoutineStatus) -> str:
    """The video's title: the routine and the hold, or just the hold for a one-stretch routine."""
    slot = status.slot
    if slot is None:
        return runner.routine.name
    if len({s.stretch.id for s in runner.slots}) == 1:
        return slot.label  # one stretch (on one or both sides): its name once
    return f"{runner.routine.name}: {slot.label}"


def drained_events(runner: RoutineRunner) -> tuple[dict[str, Any], ...]:
    """The runner's hold events since the last call, as session-log records."""
    return tuple(event_record(event, slot.stretch.id, slot.side, slot.rep) for slot, event in runner.drain_events())


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def shown_checks(status: RoutineStatus) -> tuple[Check, ...]:
    """The checks the person is judged on now: the start position's in the start phase
    (sitting tall before a twist), else the stretch's."""
    slot = status.slot
    assert slot is not None
    if status.start_verdict is not None and slot.stretch.start is not None:
        return slot.stretch.start.checks
    return slot.stretch.checks


def shown_verdict(status: RoutineStatus) -> FrameVerdict | None:
    """The verdict of `shown_checks`: the start position's in the start phase, else the tracker's
    (None while resting or done)."""
    if status.phase is Phase.REST or status.update is None:
        return None
    return status.start_verdict if status.start_verdict is not None else status.update.verdict


def check_rows(status: RoutineStatus, update: TrackerUpdate) -> tuple[CheckRow, ...]:
    """The rows of what the person is judged on now (`shown_checks`: the start position's verdict
    in the start phase, else `update`'s), in the verdict's order."""
    slot = status.slot
    assert slot is not None
    verdict = status.start_verdict if status.start_verdict is not None else update.verdict
    by_id = {c.id: c for c in shown_checks(status)}
    rows = []
    for check_verdict in verdict.checks:
        check = by_id.get(check_verdict.check_id)
        if check is None:
            continue
        rows.append(CheckRow(
            check_id=check.id,
            description=fill_sides(check.description, slot.side),
            status=check_verdict.status.value,
            value=_finite(check_verdict.value),
            unit=check.unit,
            target=check.target.describe(check.unit),
            cue=check_verdict.cue,
            target_min=check.target.min,
            target_max=check.target.max,
            role=check.role,
        ))
    return tuple(rows)


def judge_frame(runner: RoutineRunner, reading: PoseReading, t: float) -> JudgedFrame:
    """Advance the routine by one frame and project the result for every consumer."""
    status = runner.update(reading.landmarks, t)
    slot = status.slot
    update = status.update if status.phase is not Phase.REST else None
    verdict = shown_verdict(status)
    record = None
    checks: tuple[CheckRow, ...] = ()
    if update is not None and slot is not None:
        record = frame_record(update, t, slot.stretch.id, slot.side, status.phase.value, slot.rep,
                              reading.people_in_view)
        record["legs_swapped"] = status.legs_swapped
        checks = check_rows(status, update)
    events = drained_events(runner)
    instruction = status.instruction
    if status.phase is Phase.DONE and ended_early(runner):
        instruction = SESSION_ENDED_INSTRUCTION
    return JudgedFrame(
        t=t,
        status=status,
        update=update,
        landmarks=reading.landmarks,
        people_in_view=reading.people_in_view,
        second_person=reading.second_person,
        title=routine_title(runner, status),
        instruction=instruction,
        record=record,
        events=events,
        verdict=verdict,
        checks=checks,
    )
