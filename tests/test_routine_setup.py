"""The set-up step when the camera's view changes (chair, front-on → floor, side-on).

Driven with the synthetic body: the downward dog seen from the front fails its `side_on`
check, seen from the side it holds. The routine must wait in `setup`, counting no time,
until the person has been side-on for about a second, then count down and hold as usual.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from synthetic_cases import CORRECT, landmarks_for

from coach.judged_frame import judge_frame
from coach.routine import SETUP_SETTLE_S, Phase, RoutineRunner, RoutineStatus, Slot
from coach.session_log import SessionLogWriter, header_record, load_session_log
from coach.session_recorder import SessionRecorder
from coach.stretches import (
    PoseFileError,
    Routine,
    RoutineStep,
    load_library,
    parse_stretch,
)
from coachlab.synthetic.body import BodyProportions

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library()
BODY = BodyProportions.average_female()
POSES = {sid: build(BODY) for sid, build in CORRECT.items()}
FPS = 15.0
COUNTDOWN_S = 3.0
DOG_HOLD_S = 5.0


def chair_then_floor() -> Routine:
    """One seated hold (front-on), then the downward dog (side-on): one change of view."""
    steps = (RoutineStep("seated_figure_four", ("right",), 1, 4.0, 0.0),
             RoutineStep("downward_dog", (None,), 1, DOG_HOLD_S, 0.0))
    return Routine("chair_floor", "Chair then floor", "", COUNTDOWN_S, steps)


class Person:
    """The correct pose of each hold; on the floor, seen from the front until `side_on_from` s
    after reaching the set-up step (then side-on), or per the `dog_view(t_in_setup)` given."""

    def __init__(self, dog_view) -> None:  # type: ignore[no-untyped-def]
        self.dog_view = dog_view
        self.floor_t: float | None = None

    def __call__(self, t: float, slot: Slot | None):  # type: ignore[no-untyped-def]
        if slot is None:
            return None
        view = None
        if slot.stretch.id == "downward_dog":
            if self.floor_t is None:
                self.floor_t = t
            view = self.dog_view(t - self.floor_t)
        return landmarks_for(POSES[slot.stretch.id], BODY, slot.stretch.id, slot.side, view=view, timestamp_s=t)


def run(runner: RoutineRunner, person: Person, until: float) -> list[tuple[float, RoutineStatus]]:
    statuses = []
    for t in np.arange(0.0, until, 1.0 / FPS):
        statuses.append((float(t), runner.update(person(float(t), runner.slot), float(t))))
        if runner.phase is Phase.DONE:
            break
    return statuses


def dog_statuses(statuses: list[tuple[float, RoutineStatus]]) -> list[tuple[float, RoutineStatus]]:
    return [(t, s) for t, s in statuses if s.slot is not None and s.slot.stretch.id == "downward_dog"]


def test_the_routine_waits_in_setup_while_front_on_and_moves_on_once_side_on() -> None:
    front_for = 12.0
    person = Person(lambda since: "front" if since < front_for else "side_left")
    runner = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
    statuses = run(runner, person, until=60.0)
    assert runner.phase is Phase.DONE
    assert person.floor_t is not None
    turned = person.floor_t + front_for
    dog = dog_statuses(statuses)
    setup = [(t, s) for t, s in dog if s.phase is Phase.SETUP]
    # The whole time front-on is set-up: never the countdown, never the hold.
    assert setup and setup[0][0] == pytest.approx(person.floor_t)
    assert all(s.phase is Phase.SETUP for t, s in dog if t < turned)
    instruction = setup[0][1].instruction
    assert "move the laptop so it sees you side-on" in instruction
    assert "countdown starts when the camera sees you side-on" in instruction
    # Side-on for about a second, then the countdown (not before, not much after).
    countdown_t = next(t for t, s in dog if s.phase is Phase.COUNTDOWN)
    assert turned + SETUP_SETTLE_S <= countdown_t <= turned + SETUP_SETTLE_S + 3 / FPS
    assert next(s for t, s in dog if s.phase is Phase.COUNTDOWN).instruction.startswith("Get ready: Downward dog")
    # Time in set-up never counts toward the hold: nothing held until the countdown is over ...
    assert all(s.hold is not None and s.hold.held_s == 0.0 for _, s in setup)
    hold_t = next(t for t, s in dog if s.phase is Phase.HOLD)
    assert hold_t == pytest.approx(countdown_t + COUNTDOWN_S, abs=1.5 / FPS)
    # ... and the hold takes its full time after it.
    result = runner.results[-1]
    assert result.stretch_id == "downward_dog" and result.completed and not result.skipped
    assert result.held_s == pytest.approx(DOG_HOLD_S)
    complete_t = next(e.timestamp_s for e in result.events if e.state.value == "complete")
    assert complete_t >= hold_t + DOG_HOLD_S - 1 / FPS


def test_side_on_only_for_a_moment_does_not_start_the_countdown() -> None:
    # Side-on for half a second, front again, then side-on for good at 6 s.
    person = Person(lambda since: "side_left" if 2.0 <= since < 2.5 or since >= 6.0 else "front")
    runner = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
    dog = dog_statuses(run(runner, person, until=60.0))
    assert person.floor_t is not None
    countdown_t = next(t for t, s in dog if s.phase is Phase.COUNTDOWN)
    assert countdown_t >= person.floor_t + 6.0 + SETUP_SETTLE_S


def test_a_routine_of_same_view_stretches_has_no_setup_phase() -> None:
    sciatica = LIBRARY.routines["sciatica"]
    seated = Routine("seated", "Seated only", "", 2.0, sciatica.steps[:2])
    runner = RoutineRunner(seated, LIBRARY.stretches)
    statuses = run(runner, Person(lambda since: "side_left"), until=400.0)
    assert runner.phase is Phase.DONE and len(runner.results) == 4
    assert all(s.phase is not Phase.SETUP for _, s in statuses)
    # The downward dog alone (first hold, nothing to change from): no set-up either.
    dog_only = Routine("dog", "Dog", "", 2.0, (RoutineStep("downward_dog", (None,), 1, 3.0, 0.0),))
    runner = RoutineRunner(dog_only, LIBRARY.stretches)
    assert runner.phase is Phase.COUNTDOWN and not runner.needs_setup(0)


def test_the_full_sciatica_routine_has_one_setup_step_before_the_floor() -> None:
    runner = RoutineRunner(LIBRARY.routines["sciatica"], LIBRARY.stretches)
    assert [runner.needs_setup(i) for i in range(len(runner.slots))] == [False, False, False, False, True]


def test_skip_and_stop_during_setup_record_the_hold_as_skipped() -> None:
    runner = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
    run(runner, Person(lambda since: "front"), until=9.0)  # countdown 3 s + hold 4 s, then set-up
    assert runner.phase is Phase.SETUP
    runner.skip()
    assert runner.phase is Phase.DONE
    assert runner.results[-1].stretch_id == "downward_dog" and runner.results[-1].skipped
    runner = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
    run(runner, Person(lambda since: "front"), until=9.0)
    runner.stop()
    assert runner.stopped and runner.results[-1].skipped and runner.results[-1].held_s == 0.0


def test_repeat_during_setup_stays_in_setup() -> None:
    runner = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
    run(runner, Person(lambda since: "front"), until=9.0)
    runner.repeat()
    assert runner.phase is Phase.SETUP and runner.slot is not None and runner.slot.stretch.id == "downward_dog"


def test_setup_frames_are_logged_with_phase_setup(tmp_path: Path) -> None:
    routine = chair_then_floor()
    runner = RoutineRunner(routine, LIBRARY.stretches)
    path = tmp_path / "setup.jsonl"
    recorder = SessionRecorder(SessionLogWriter(path, header_record(LIBRARY.stretches.values(), "test", "synthetic",
                                                                    routine.id)))
    person = Person(lambda since: "front" if since < 3.0 else "side_left")

    class Reading:
        def __init__(self, landmarks) -> None:  # type: ignore[no-untyped-def]
            self.landmarks, self.people_in_view, self.second_person = landmarks, int(landmarks is not None), False

    for t in np.arange(0.0, 30.0, 1.0 / FPS):
        recorder.add(judge_frame(runner, Reading(person(float(t), runner.slot)), float(t)))
        if runner.phase is Phase.DONE:
            break
    recorder.close(recorder.summary())
    log = load_session_log(path)  # the strict schema accepts the set-up frames
    phases = [f["phase"] for f in log.frames if f["stretch"] == "downward_dog"]
    assert phases[0] == "setup" and phases.count("setup") >= 3 * FPS
    assert phases.index("countdown") > phases.index("setup") and "hold" in phases
    assert all(f["hold"]["held"] == 0 for f in log.frames if f["phase"] == "setup")


def _dog_file() -> dict:  # type: ignore[type-arg]
    with (ROOT / "poses" / "downward_dog.toml").open("rb") as file:
        return tomllib.load(file)


def test_setup_checks_must_name_gate_checks() -> None:
    assert LIBRARY.stretches["downward_dog"].setup_checks == ("side_on",)
    assert LIBRARY.stretches["seated_figure_four"].setup_checks == ()
    data = _dog_file()
    data["setup_checks"] = ["knees_straight"]  # a depth check: never decides the view
    with pytest.raises(PoseFileError, match="'setup_checks' names 'knees_straight', which is not a gate check"):
        parse_stretch(data, "downward_dog.toml")
    data["setup_checks"] = ["side_onn"]
    with pytest.raises(PoseFileError, match="its gate checks: side_on, hips_highest"):
        parse_stretch(data, "downward_dog.toml")
    data["setup_checks"] = "side_on"
    with pytest.raises(PoseFileError, match="'setup_checks' must be a list"):
        parse_stretch(data, "downward_dog.toml")
    del data["setup_checks"]
    assert parse_stretch(data, "downward_dog.toml").setup_checks == ()


def test_repeat_of_a_hold_after_a_change_of_view_goes_back_to_its_setup() -> None:
    """What "Show the set-up again" on a stuck hold does: the floor hold starts over from its set-up."""
    runner = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
    person = Person(lambda since: "side_left")
    statuses = run(runner, person, until=7.0 + SETUP_SETTLE_S + COUNTDOWN_S + 1.0)
    assert statuses[-1][1].phase is Phase.HOLD and runner.slot is not None
    assert runner.slot.stretch.id == "downward_dog"
    runner.repeat()
    assert runner.phase is Phase.SETUP and [r.stretch_id for r in runner.results] == ["seated_figure_four"]
