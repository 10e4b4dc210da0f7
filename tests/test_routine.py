"""The routine runner: countdown, holds that only count correct time, rest, sides, controls."""

from __future__ import annotations

import numpy as np
import pytest

from coach.routine import Phase, RoutineRunner
from coach.stretches import load_library
from coachlab.synthetic.body import BodyProportions
from coach.tracker import TrackerSettings

from synthetic_cases import CORRECT, landmarks_for

LIBRARY = load_library()
BODY = BodyProportions.average_female()
POSES = {sid: build(BODY) for sid, build in CORRECT.items()}


def correct_landmarks(stretch_id: str, side, t: float):
    return landmarks_for(POSES[stretch_id], BODY, stretch_id, side, timestamp_s=t)


def run_routine(runner: RoutineRunner, until: float, fps: float = 15.0, behaviour=None):
    """Feed frames; `behaviour(t, slot)` returns landmarks (default: the correct pose)."""
    statuses = []
    for t in np.arange(0.0, until, 1.0 / fps):
        slot = runner.slot
        if behaviour is not None:
            lm = behaviour(float(t), slot)
        else:
            lm = None if slot is None else correct_landmarks(slot.stretch.id, slot.side, float(t))
        statuses.append((float(t), runner.update(lm, float(t))))
        if runner.phase is Phase.DONE:
            break
    return statuses


def test_the_sciatica_routine_runs_through_all_five_holds_in_order() -> None:
    runner = RoutineRunner(LIBRARY.routines["sciatica"], LIBRARY.stretches)
    statuses = run_routine(runner, until=400.0)
    assert runner.phase is Phase.DONE
    done = [(r.stretch_id, r.side) for r in runner.results]
    assert done == [
        ("seated_piriformis_twist", "right"), ("seated_piriformis_twist", "left"),
        ("seated_figure_four", "right"), ("seated_figure_four", "left"), ("downward_dog", None),
    ]
    for result in runner.results:
        assert result.completed and not result.skipped
        assert result.held_s == pytest.approx(30.0)
        assert result.time_to_first_correct_s is not None and result.time_to_first_correct_s < 1.0
    # 5 x (5 s countdown + 30 s hold) + 4 x 10 s rest, plus a frame or two of settling.
    end = statuses[-1][0]
    assert 5 * 35 + 4 * 10 <= end <= 5 * 35 + 4 * 10 + 5
    instructions = [s.instruction for _, s in statuses]
    assert any(i.startswith("Get ready: Seated piriformis twist, right side") for i in instructions)
    assert "Rest, then switch to the left side" in instructions
    assert any(i.startswith("Rest. Next: Seated figure-4 glute stretch, right side") for i in instructions)
    assert instructions[-1] == "Routine complete. Well done."


def test_a_wrong_pose_pauses_the_hold_and_the_routine_waits() -> None:
    routine = LIBRARY.routines["sciatica"]
    runner = RoutineRunner(routine, LIBRARY.stretches)
    # The foot not across the other knee: a gate (the shape of the stretch) fails.
    uncrossed = POSES["seated_piriformis_twist"].side("right", hip_abduction_deg=0)

    def behaviour(t: float, slot):
        pose = uncrossed if 15.0 <= t < 25.0 else POSES[slot.stretch.id]
        return landmarks_for(pose, BODY, slot.stretch.id, slot.side, timestamp_s=t)

    statuses = run_routine(runner, until=60.0, behaviour=behaviour)
    first = runner.results[0]
    assert first.held_s == pytest.approx(30.0) and first.completed
    # 5 s countdown, 10 s correct, 10 s wrong, then 20 s correct (+ settling): completes at about 45.5 s.
    complete_t = next(e.timestamp_s for e in first.events if e.state.value == "complete")
    assert 45.0 <= complete_t <= 46.5
    during = [s for t, s in statuses if 16.0 <= t < 25.0]
    cue = "Place your right foot on the outside of your left knee"
    assert all(s.instruction == cue for s in during)
    assert first.top_cues and first.top_cues[0][0] == cue
    assert first.top_cues[0][1] == pytest.approx(10.0, abs=0.5)


def test_a_shallow_pose_keeps_the_hold_counting_and_encourages_more_depth() -> None:
    """Legs crossed right but the trunk not turned: the twist is a depth target, so the
    hold goes on (completes at 35.5 s as if perfect) and the cue asks for a little more."""
    routine = LIBRARY.routines["sciatica"]
    runner = RoutineRunner(routine, LIBRARY.stretches)
    untwisted = POSES["seated_piriformis_twist"].replace(trunk_twist_deg=0.0)

    def behaviour(t: float, slot):
        pose = untwisted if 15.0 <= t < 25.0 else POSES[slot.stretch.id]
        return landmarks_for(pose, BODY, slot.stretch.id, slot.side, timestamp_s=t)

    statuses = run_routine(runner, until=40.0, behaviour=behaviour)
    first = runner.results[0]
    complete_t = next(e.timestamp_s for e in first.events if e.state.value == "complete")
    assert 35.0 <= complete_t <= 36.0
    assert not any(e.state.value == "paused" for e in first.events)
    during = [s for t, s in statuses if 16.0 <= t < 25.0]
    cue = "Slowly turn your chest a little further towards your right side"
    assert all(s.instruction.startswith("Hold: ") and s.instruction.endswith(cue) for s in during)
    assert all(s.update.verdict.correct and not s.update.verdict.depth_met for s in during)


def test_nobody_in_view_means_nothing_is_counted() -> None:
    runner = RoutineRunner(LIBRARY.routines["sciatica"], LIBRARY.stretches)
    statuses = run_routine(runner, until=20.0, behaviour=lambda t, slot: None)
    hold = statuses[-1][1]
    assert hold.phase is Phase.HOLD and hold.hold.held_s == 0.0
    assert hold.instruction.startswith("Step into view")


def test_skip_repeat_and_stop() -> None:
    runner = RoutineRunner(LIBRARY.routines["sciatica"], LIBRARY.stretches, TrackerSettings())
    run_routine(runner, until=10.0)  # countdown done, 5 s into the first hold
    runner.skip()
    assert runner.results[0].skipped and runner.results[0].held_s < 30
    assert runner.slot.side == "left" and runner.phase is Phase.COUNTDOWN
    runner.repeat()
    assert runner.slot.side == "left" and runner.phase is Phase.COUNTDOWN and len(runner.results) == 1
    runner.stop()
    assert runner.phase is Phase.DONE and len(runner.results) == 2 and runner.results[1].skipped


def test_repeat_during_rest_redoes_the_hold_just_finished() -> None:
    runner = RoutineRunner(LIBRARY.routines["sciatica"], LIBRARY.stretches)
    run_routine(runner, until=37.0)  # first hold completes at about 35 s; now resting
    assert runner.phase is Phase.REST and len(runner.results) == 1
    runner.repeat()
    assert runner.phase is Phase.COUNTDOWN and runner.slot.side == "right" and runner.results == []


def test_the_shown_cue_does_not_jump_between_two_mistakes() -> None:
    """Two checks alternating as the top failure every frame: the cue stays put 1.5 s."""
    from coach.tracker import StretchTracker

    stretch = LIBRARY.stretches["seated_figure_four"]
    # Without smoothing, so the two poses really alternate frame by frame.
    tracker = StretchTracker(stretch, "right", settings=TrackerSettings(smoothing=None))
    # Two gate mistakes (a depth cue would replace a gate cue at once, by design).
    ankle_far = CORRECT["seated_figure_four"](BODY).side("right", hip_abduction_deg=75)
    foot_up = CORRECT["seated_figure_four"](BODY).side("left", knee_flexion_deg=0)
    shown, top = [], []
    for i, t in enumerate(np.arange(0, 6.0, 1 / 15)):
        pose = foot_up if i % 2 else ankle_far
        update = tracker.update(landmarks_for(pose, BODY, "seated_figure_four", "right", timestamp_s=float(t)),
                                float(t))
        shown.append(update.cue)
        top.append(update.verdict.cue)
    assert len(set(top)) == 2, "the test needs two alternating top cues"
    changes = sum(1 for a, b in zip(shown, shown[1:]) if a != b)
    assert changes <= 6.0 / 1.5
    assert all(cue is not None for cue in shown)


def test_hold_events_are_available_as_they_happen_and_stop_says_session_ended() -> None:
    runner = RoutineRunner(LIBRARY.routines["sciatica"], LIBRARY.stretches)
    run_routine(runner, until=8.0)  # countdown done, settling then holding in the first hold
    drained = runner.drain_events()
    assert [e.state.value for _, e in drained] == ["settling", "holding"]
    assert all(slot.side == "right" for slot, _ in drained)
    assert runner.drain_events() == []  # each event once
    runner.stop()
    final = runner.drain_events()
    assert final == [], "stop records the hold; its events were already drained"
    status = runner.update(None, 9.0)
    assert status.instruction == "Session ended."
