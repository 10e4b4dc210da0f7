"""Start positions and leg identity (issue 13, item 3), driven with the synthetic body.

A chair stretch starts from sitting tall, both feet on the floor, where left and right are
unambiguous; the hold waits (counting nothing) until that is seen, and never forever. Then
MediaPipe may swap the crossed legs' labels for some frames: the coach swaps them back by
continuity, silently, and the hold keeps counting.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from synthetic_cases import CORRECT, landmarks_for

from coach.judged_frame import judge_frame
from coach.leg_identity import LegIdentity, swap_legs
from coach.routine import START_SETTLE_S, Phase, RoutineRunner, RoutineStatus
from coach.stretches import (
    PoseFileError,
    Routine,
    RoutineStep,
    load_library,
    parse_stretch,
)
from coach.tracker import TrackerSettings
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyProportions
from coachlab.synthetic.sequences import interpolate_poses

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library()
BODY = BodyProportions.average_female()
FPS = 15.0
HOLD_S = 10.0
FIGURE_FOUR = "seated_figure_four"


def one_hold(stretch_id: str, side: str | None, countdown_s: float = 0.0) -> Routine:
    sides = (side,)
    return Routine("one", "One hold", "", countdown_s, (RoutineStep(stretch_id, sides, 1, HOLD_S, 0.0),))


class Reading:
    def __init__(self, landmarks) -> None:  # type: ignore[no-untyped-def]
        self.landmarks, self.people_in_view, self.second_person = landmarks, int(landmarks is not None), False


def figure_four_person(sit_until: float, cross_s: float = 1.0, swapped=lambda t: False):  # type: ignore[no-untyped-def]
    """Sits tall until `sit_until`, crosses the right leg over `cross_s` seconds, then holds the
    figure-4; `swapped(t)` says in which frames the pose model swaps the legs' labels."""
    neutral, crossed = sp.seated_neutral(BODY), CORRECT[FIGURE_FOUR](BODY)

    def at(t: float):  # type: ignore[no-untyped-def]
        share = min(1.0, max(0.0, (t - sit_until) / cross_s))
        landmarks = landmarks_for(interpolate_poses(neutral, crossed, share), BODY, FIGURE_FOUR, "right",
                                  timestamp_s=t, noise_px=1.0)
        return swap_legs(landmarks) if swapped(t) else landmarks

    return at


def run(runner: RoutineRunner, person, until: float):  # type: ignore[no-untyped-def]
    frames = []
    for t in np.arange(0.0, until, 1.0 / FPS):
        frames.append(judge_frame(runner, Reading(person(float(t))), float(t)))
        if runner.phase is Phase.DONE:
            break
    return frames


# ------------------------------------------------------------------ leg identity


def swapped_mid_hold(t: float) -> bool:
    """The pose model swaps the crossed legs three times during the hold, for up to a second."""
    return 5.0 <= t < 5.6 or 7.0 <= t < 8.0 or 9.3 <= t < 9.5


def test_a_leg_swap_mid_hold_does_not_stop_the_hold() -> None:
    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right"), LIBRARY.stretches)
    frames = run(runner, figure_four_person(sit_until=1.5, swapped=swapped_mid_hold), until=30.0)
    result = runner.results[-1]
    assert result.completed and not result.skipped
    held = [f for f in frames if f.status.phase is Phase.HOLD]
    # Once holding, every frame counts: the swapped frames too.
    first_ok = next(i for i, f in enumerate(held) if f.update is not None and f.update.verdict.correct)
    assert all(f.update is not None and f.update.verdict.correct for f in held[first_ok:])
    # Nothing about the legs is said: no cue at all while holding, and no wrong-side cue ever.
    assert all(f.update is not None and f.update.cue is None for f in held[first_ok:])
    assert not any(f.update is not None and f.update.verdict.wrong_side for f in frames)
    # The swaps were corrected, and logged as such.
    swapped_frames = [f for f in frames if swapped_mid_hold(f.t)]
    assert swapped_frames and all(f.record is not None and f.record["legs_swapped"] for f in swapped_frames)
    assert not any(f.record is not None and f.record["legs_swapped"] for f in frames if not swapped_mid_hold(f.t))
    assert result.legs_swapped == len(swapped_frames) and result.record()["legs_swapped"] == len(swapped_frames)


def test_without_the_leg_identity_the_same_swap_stops_the_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above would fail without the correction: a swapped frame reads as the other leg
    crossed, or (the knee taken where it was at the start then being the other leg's) as the ankle
    off the knee, and the hold stops counting with a cue that does not apply."""
    monkeypatch.setattr(LegIdentity, "__call__", lambda self, landmarks: landmarks)
    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right"), LIBRARY.stretches)
    frames = run(runner, figure_four_person(sit_until=1.5, swapped=swapped_mid_hold), until=30.0)
    swapped_frames = [f for f in frames if swapped_mid_hold(f.t) and f.update is not None]
    assert swapped_frames and not any(f.update.verdict.correct for f in swapped_frames)
    assert all(f.update.cue is not None for f in swapped_frames)


def test_the_start_position_anchors_legs_that_came_swapped_from_the_first_frame() -> None:
    """MediaPipe swaps the legs from the very first frame on: sitting tall, each knee is in front
    of its own hip, so the start position puts them right, and continuity keeps them right."""
    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right"), LIBRARY.stretches)
    frames = run(runner, figure_four_person(sit_until=2.0, swapped=lambda t: True), until=30.0)
    assert runner.results[-1].completed
    assert not any(f.update is not None and f.update.verdict.wrong_side for f in frames if f.t > 3.5)


def test_legs_that_lie_on_top_of_each_other_are_never_relabelled() -> None:
    """Side-on (the downward dog) both legs are in one place: jitter must not swap them."""
    legs = LegIdentity()
    pose = CORRECT["downward_dog"](BODY)
    for t in np.arange(0.0, 5.0, 1 / FPS):
        legs(landmarks_for(pose, BODY, "downward_dog", None, view="side_left", timestamp_s=float(t),
                           noise_px=3.0))
    assert legs.swaps == 0


def test_a_whole_body_relabelled_is_not_taken_for_a_leg_swap() -> None:
    """Hips and legs swapped together is the model's view of which way the person faces, not a
    crossed-leg mix-up: the legs stay with their hips."""
    legs = LegIdentity()
    person = figure_four_person(sit_until=0.0, cross_s=0.1)
    for t in np.arange(0.0, 3.0, 1 / FPS):
        landmarks = person(float(t))
        out = legs(landmarks.swapped_sides() if t >= 1.5 else landmarks)
        assert out is not None and not legs.swapped
    assert legs.swaps == 0


# ------------------------------------------------------------------ start phase


def test_the_hold_does_not_time_until_the_start_position_is_seen() -> None:
    """Sitting tall is seen from the first frame; the hold starts after `START_SETTLE_S` of it and
    the person hears what to do next; nothing is counted before."""
    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right", countdown_s=2.0), LIBRARY.stretches)
    frames = run(runner, figure_four_person(sit_until=4.0), until=30.0)
    start = [f for f in frames if f.status.phase is Phase.START]
    assert start and start[0].t == pytest.approx(2.0, abs=1.5 / FPS)  # after the countdown
    assert start[0].instruction.startswith("Sit tall with both feet flat on the floor")
    assert all(f.record is not None and f.record["phase"] == "start" and f.record["hold"]["held"] == 0 for f in start)
    hold_t = next(f.t for f in frames if f.status.phase is Phase.HOLD)
    assert hold_t == pytest.approx(2.0 + START_SETTLE_S, abs=1.5 / FPS)
    after = next(f for f in frames if f.status.phase is Phase.HOLD)
    assert after.instruction == "Now rest your right ankle just above your left knee"
    assert runner.results[-1].completed


def test_the_start_phase_waits_while_the_position_is_not_seen() -> None:
    """Standing (not the start position, not the stretch): the start phase goes on, counting
    nothing, until the timeout, then the hold begins anyway (and counts nothing while wrong)."""
    standing = sp.standing(BODY)
    settings = TrackerSettings(start_timeout_s=6.0)
    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right"), LIBRARY.stretches, settings)
    frames = run(runner, lambda t: landmarks_for(standing, BODY, FIGURE_FOUR, "right", timestamp_s=t), until=10.0)
    start = [f for f in frames if f.status.phase is Phase.START]
    assert start and all(f.status.update is not None and f.status.update.cue == "Sit down on the chair"
                         for f in start[1:])
    hold_t = next(f.t for f in frames if f.status.phase is Phase.HOLD)
    assert hold_t == pytest.approx(6.0, abs=1.5 / FPS)
    assert runner.tracker is not None and runner.tracker.timer.held_s == 0.0


def test_a_person_already_in_the_stretch_is_not_kept_waiting() -> None:
    """Sat down with the legs already crossed: the hold begins at once, and counts."""
    crossed = CORRECT[FIGURE_FOUR](BODY)
    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right"), LIBRARY.stretches)
    statuses: list[RoutineStatus] = [
        runner.update(landmarks_for(crossed, BODY, FIGURE_FOUR, "right", timestamp_s=float(t)), float(t))
        for t in np.arange(0.0, 2.0, 1 / FPS)]
    assert statuses[0].phase is Phase.HOLD
    assert statuses[-1].hold is not None and statuses[-1].hold.held_s > 1.0


def test_the_downward_dog_starts_from_hands_and_knees() -> None:
    tabletop, dog = sp.tabletop(BODY), CORRECT["downward_dog"](BODY)

    def person(t: float):  # type: ignore[no-untyped-def]
        share = min(1.0, max(0.0, (t - 3.0) / 1.5))
        return landmarks_for(interpolate_poses(tabletop, dog, share) if share < 1 else dog, BODY,
                             "downward_dog", None, view="side_left", timestamp_s=t)

    runner = RoutineRunner(one_hold("downward_dog", None), LIBRARY.stretches)
    frames = run(runner, person, until=30.0)
    assert frames[0].status.phase is Phase.START
    assert frames[0].instruction.startswith("Start on your hands and knees")
    first_hold = next(f for f in frames if f.status.phase is Phase.HOLD)
    assert first_hold.t == pytest.approx(START_SETTLE_S, abs=1.5 / FPS)
    assert first_hold.instruction == "Now push your hips up and back"
    assert runner.results[-1].completed


def test_skip_during_the_start_phase_records_the_hold_as_skipped() -> None:
    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right"), LIBRARY.stretches)
    runner.update(None, 0.0)
    assert runner.phase is Phase.START
    runner.skip()
    assert runner.phase is Phase.DONE and runner.results[-1].skipped


# ------------------------------------------------------------------ the files


def test_the_seed_stretches_carry_start_positions() -> None:
    for stretch_id, name in (("seated_piriformis_twist", "Sitting tall"), ("seated_figure_four", "Sitting tall"),
                             ("downward_dog", "Hands and knees")):
        start = LIBRARY.stretches[stretch_id].start
        assert start is not None and start.name == name and start.checks and start.cue and start.then
    assert LIBRARY.stretches["downward_dog"].start.then == "Now push your hips up and back"  # type: ignore[union-attr]


def test_coach_check_poses_passes_on_the_seed_files() -> None:
    done = subprocess.run([sys.executable, "-m", "coach.cli", "check-poses", str(ROOT / "poses")],
                          check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "start position 'Sitting tall'" in done.stdout and "start position 'Hands and knees'" in done.stdout


def _figure_four_file() -> dict:  # type: ignore[type-arg]
    with (ROOT / "poses" / f"{FIGURE_FOUR}.toml").open("rb") as file:
        return tomllib.load(file)


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s["checks"][1]["target"].update(max=-1.0),
     r"\[start\]: check 2 'right_knee_over_ankle': target.max = -1 is outside the possible range"),
    (lambda s: s.pop("cue"), r"\[start\]: missing field 'cue'"),
    (lambda s: s.update(cues="x"), r"\[start\]: unknown field 'cues'"),
    (lambda s: s["checks"][0].update(role="depth"), r"\[start\]: check 'left_knee_over_ankle': role = 'depth'"),
    (lambda s: s.update(then="Now cross your {leg} over"), r"\[start\]: 'then': unknown placeholder \{leg\}"),
    (lambda s: s.update(checks=[]), r"\[start\]: 'checks' must be a non-empty list"),
    (lambda s: s["checks"].append(dict(s["checks"][0])), r"\[start\]: check 6 'left_knee_over_ankle': 'id'"),
])
def test_a_malformed_start_section_names_file_and_field(change, message: str) -> None:  # type: ignore[no-untyped-def]
    data = _figure_four_file()
    change(data["start"])
    with pytest.raises(PoseFileError, match=message) as error:
        parse_stretch(data, f"poses/{FIGURE_FOUR}.toml")
    assert str(error.value).startswith(f"poses/{FIGURE_FOUR}.toml: [start]")


def test_a_stretch_without_a_start_section_holds_straight_away() -> None:
    data = _figure_four_file()
    del data["start"]
    stretch = parse_stretch(data, f"{FIGURE_FOUR}.toml")
    assert stretch.start is None
    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right"), {FIGURE_FOUR: stretch})
    assert runner.phase is Phase.HOLD


# ------------------------------------------------------------------ what the person sees and hears


def test_the_start_position_is_shown_large_and_said_once_then_what_to_do_next() -> None:
    from test_setup_panel_speech import snapshot

    from coach.ui.panel_html import BIG, now_box_html
    from coach.ui.speech import SpeechPlanner

    runner = RoutineRunner(one_hold(FIGURE_FOUR, "right", countdown_s=2.0), LIBRARY.stretches)
    person = figure_four_person(sit_until=6.0)  # sits tall for a while after being seen there
    planner, said, boxes = SpeechPlanner(), [], []
    for frame, t in enumerate(np.arange(0.0, 20.0, 1.0 / FPS), start=1):
        snap = snapshot(runner.update(person(float(t)), float(t)), frame)
        if snap.phase == "start":
            boxes.append(now_box_html(snap))
        if text := planner.update(snap, float(t)):
            said.append(text)
    assert boxes
    assert f"font-size:{BIG}" in boxes[0].split("Sit tall with both feet flat on the floor, hip-width apart")[0]
    assert "The hold starts when the camera sees you there." in boxes[0] and "data-kind='timer'" not in boxes[0]
    assert said.count("Sit tall with both feet flat on the floor, hip-width apart") == 1
    assert "Now rest your right ankle just above your left knee" in said
    assert said.index("Now rest your right ankle just above your left knee") > \
        said.index("Sit tall with both feet flat on the floor, hip-width apart")


@pytest.mark.parametrize("stretch_id", [FIGURE_FOUR, "seated_piriformis_twist"])
def test_sitting_tall_is_seen_from_a_laptop_above_the_seat_and_standing_is_not(stretch_id: str) -> None:
    """A lens high above a high seat draws the seated knees below the hips (the thighs point at it);
    measured in trunk lengths that read as standing, the person was told to sit down while
    sitting and the start position, which anchors which leg is which, was not seen. Exact
    joints, every preset body, both sides, lens 0.5-1.3 m high, 2-3.5 m away, up to 15° off."""
    from dataclasses import replace

    from coach.verdicts import StretchEvaluator
    from coachlab.synthetic import camera_sweep as cs

    stretch = LIBRARY.stretches[stretch_id]
    assert stretch.start is not None
    start_only = replace(stretch, checks=stretch.start.checks)
    bodies = BodyProportions.presets()
    # a high chair (50 cm): the thighs slope 15 degrees down to the knees, the shins stand upright
    seated = {name: sp.seated_neutral(body).side("left", hip_flexion_deg=75.0, knee_flexion_deg=75.0)
              .side("right", hip_flexion_deg=75.0, knee_flexion_deg=75.0) for name, body in bodies.items()}
    standing = {name: sp.standing(body) for name, body in bodies.items()}
    missed, passed_standing = [], []
    for shot in cs.shots(heights=(0.5, 0.9, 1.3), distances=(2.0, 3.5)):
        body = bodies[shot.body]
        sitting = StretchEvaluator(start_only, shot.side).evaluate(
            cs.landmarks_at(seated[shot.body], body, stretch.view, shot))
        if not sitting.correct:
            missed.append((shot, sitting.cue))
        upright = StretchEvaluator(start_only, shot.side).evaluate(
            cs.landmarks_at(standing[shot.body], body, stretch.view, shot))
        if upright.correct or upright.cue != "Sit down on the chair":
            passed_standing.append((shot, upright.cue))
    assert missed == []
    assert passed_standing == []
