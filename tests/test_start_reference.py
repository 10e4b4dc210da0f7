"""Checks measured against the person's own start position (``scale = "start"``), driven
with the synthetic body through the real routine runner.

The seated twist's slump check compares the trunk's height in the picture with the same
person's trunk when they sat tall at the start (same chair, same camera): a forward slump,
which a front camera's 3D estimate reads poorly, shows as a shorter trunk. Without the
start position (the person began in the stretch, or a pause dropped it) the first half
second of the hold in which every other gate holds is the reference instead; until then
the check is not judged and never stops the hold.

The figure-4's ankle-below-knee gate takes the supporting knee where it was in the start
position (``at_start``): an ankle resting on that shin hides the knee, which MediaPipe then
draws lower; without the start position the knee is where it is drawn now.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from live_doubles import ScriptedEstimator, feed
from synthetic_cases import CORRECT, camera_for

from coach.judged_frame import judge_frame
from coach.landmarks import PoseLandmark
from coach.live import LiveCoach
from coach.routine import START_SETTLE_S, Phase, RoutineRunner, stretch_routine
from coach.session_log import SessionLogWriter, header_record, load_session_log
from coach.stretches import PoseFileError, Routine, RoutineStep, Stretch, load_library, parse_stretch
from coach.summary import summarize
from coach.ui.words import target_words, value_words
from coach.verdicts import CheckStatus, StretchEvaluator
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic import variety
from coachlab.synthetic.body import BodyProportions, joint_positions, make_landmarks
from coachlab.synthetic.sequences import interpolate_poses

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library()
BODY = BodyProportions.average_female()
FPS = 15.0
TWIST = "seated_piriformis_twist"
CHECK = "as_tall_as_at_the_start"


class Reading:
    def __init__(self, landmarks) -> None:  # type: ignore[no-untyped-def]
        self.landmarks, self.people_in_view, self.second_person = landmarks, int(landmarks is not None), False


def one_hold(side: str, sides: tuple[str, ...] | None = None) -> Routine:
    return Routine("one", "One hold", "", 0.0, (RoutineStep(TWIST, sides or (side,), 1, 30.0, 0.0),))


def scripted(script: list[tuple[float, object]], camera, mirrored: bool = False,  # type: ignore[no-untyped-def]
             noise_px: float = 0.5):
    """Landmarks over time of ``script``'s (time, pose) key frames, blended linearly in between
    (mirrored for the left side), seen by one camera that does not move."""

    def at(t: float):  # type: ignore[no-untyped-def]
        for (t0, a), (t1, b) in zip(script, script[1:]):
            if t0 <= t < t1:
                pose = interpolate_poses(a, b, (t - t0) / (t1 - t0))
                break
        else:
            pose = script[-1][1]
        return make_landmarks(pose.mirrored() if mirrored else pose, BODY, camera, timestamp_s=t, noise_px=noise_px)

    return at


def person(side: str, script: list[tuple[float, object]], yaw_deg: float = 0.0):  # type: ignore[no-untyped-def]
    """A person doing the twist: ``script`` as in `scripted`, the camera framing the correct
    twist. ``yaw_deg``: the camera that far off front-on (towards the working side when
    positive); MediaPipe's turn, read against the camera, includes it."""
    base = CORRECT[TWIST](BODY)
    camera = camera_for(base.mirrored() if side == "left" else base, BODY, TWIST,
                        yaw_offset_deg=-yaw_deg if side == "left" else yaw_deg)
    return scripted(script, camera, mirrored=side == "left")


def run(runner: RoutineRunner, at, until: float) -> list:  # type: ignore[no-untyped-def]
    frames = []
    for t in np.arange(0.0, until, 1.0 / FPS):
        frames.append(judge_frame(runner, Reading(at(float(t))), float(t)))
    return frames


def check_of(frame, check_id: str = CHECK):  # type: ignore[no-untyped-def]
    return frame.update.verdict.by_id()[check_id]


def slump_judged_only_against_the_start() -> dict[str, Stretch]:
    """The library with the twist's 3D lean and head checks left out (MediaPipe's 3D lean can
    read a front-on slump as upright): only the start-relative check can catch a slump."""
    stretch = LIBRARY.stretches[TWIST]
    without = tuple(c for c in stretch.checks if c.id not in ("sitting_tall", "head_up"))
    return {**LIBRARY.stretches, TWIST: dataclasses.replace(stretch, checks=without)}


def slumping_person(side: str):  # type: ignore[no-untyped-def]
    """Sits tall, crosses into the twist, holds it, slumps for 4 s, sits up again."""
    tall, twist, slumped = sp.seated_neutral(BODY), CORRECT[TWIST](BODY), sp.piriformis_twist_slumped(BODY)
    return person(side, [(0.0, tall), (1.5, tall), (2.5, twist), (6.0, twist), (7.0, slumped), (11.0, slumped),
                         (12.0, twist)])


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_slump_against_the_start_position_stops_the_hold_and_says_sit_up_tall(side: str) -> None:
    runner = RoutineRunner(one_hold(side), LIBRARY.stretches)
    frames = run(runner, slumping_person(side), until=16.0)
    upright = [f for f in frames if f.status.phase is Phase.HOLD and (3.5 <= f.t < 6.0 or f.t >= 13.0)]
    slumped = [f for f in frames if 8.0 <= f.t < 11.0]
    # Sitting tall in the twist reads like sitting tall at the start, and counts.
    assert upright and all(check_of(f).status is CheckStatus.OK and abs(check_of(f).value - 1.0) < 0.04
                           for f in upright)
    assert all(f.update.verdict.correct for f in upright)
    # Slumped: the trunk is clearly shorter than it was; the hold stops and the cue says why.
    assert slumped and all(check_of(f).status is CheckStatus.TOO_LOW and check_of(f).value < 0.9 for f in slumped)
    assert all(not f.update.verdict.correct and f.update.cue == "Sit up tall" for f in slumped)
    held = {round(f.t, 2): f.status.hold.held_s for f in frames if f.status.hold is not None}
    assert held[round(slumped[-1].t, 2)] == pytest.approx(held[round(slumped[0].t, 2)])
    assert frames[-1].status.hold.held_s > held[round(slumped[-1].t, 2)] + 2.0


def test_the_slump_check_alone_stops_a_slump_the_3d_lean_misses() -> None:
    """MediaPipe's 3D lean can read a front-on slump as upright (a rendered 38-degree slump read
    13-18 degrees): with the 3D lean and head checks left out, the start-relative check by
    itself stops the hold."""
    runner = RoutineRunner(one_hold("right"), slump_judged_only_against_the_start())
    frames = run(runner, slumping_person("right"), until=12.0)
    slumped = [f for f in frames if 8.0 <= f.t < 11.0]
    assert all(not f.update.verdict.correct and f.update.cue == "Sit up tall" for f in slumped)
    failing = {c.check_id for f in slumped for c in f.update.verdict.checks if c.gate and not c.passes}
    assert failing == {CHECK}


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_slump_is_never_called_the_other_side(side: str) -> None:
    """The wrong-side cue says the pose fits the other side. Its gates are judged against the
    same start position: before 2026-12-07 the other side had none, so its start-relative gate
    was unjudged, and a rendered slump whose crossed legs also fit the other side's foot check
    heard "That is your left leg crossed over" instead of "Sit up tall". Here the start-relative
    gate is the stretch's only gate, so only the start reference can tell the sides apart."""
    from coach.verdicts import StretchEvaluator

    stretch = LIBRARY.stretches[TWIST]
    only_start = dataclasses.replace(stretch, checks=tuple(c for c in stretch.checks if c.id == CHECK))
    seen = slumping_person(side)
    evaluator = StretchEvaluator(only_start, side)
    evaluator.set_start_reference([seen(1.0)])
    assert evaluator.evaluate(seen(4.0)).correct  # the twist, sitting tall
    slumped = evaluator.evaluate(seen(9.0))
    assert not slumped.correct and not slumped.wrong_side
    assert slumped.cue == "Sit up tall"


def test_begun_in_the_stretch_the_first_half_second_of_the_hold_is_the_reference(tmp_path: Path) -> None:
    """Already in the twist from the first frame: the check is unjudged (says nothing, never
    stops the hold, logged so) until the hold has been correct for half a second, then
    judged against those frames; the log reads back both."""
    twist = CORRECT[TWIST](BODY)
    runner = RoutineRunner(one_hold("right"), LIBRARY.stretches)
    frames = run(runner, person("right", [(0.0, twist)]), until=4.0)
    assert frames[0].status.phase is Phase.HOLD
    early = [f for f in frames if f.t < START_SETTLE_S]
    later = [f for f in frames if f.t > START_SETTLE_S + 0.1]
    assert early and all(check_of(f).status is CheckStatus.UNJUDGED and check_of(f).cue is None for f in early)
    assert later and all(check_of(f).status is CheckStatus.OK and abs(check_of(f).value - 1.0) < 0.03
                         for f in later)
    assert all(f.update.verdict.correct for f in frames[1:]) and frames[-1].status.hold.held_s > 3.0
    rows = {row.check_id: row for row in frames[0].checks}
    assert rows[CHECK].status == "unjudged" and not rows[CHECK].ok
    path = tmp_path / "log.jsonl"
    with SessionLogWriter(path, header_record([LIBRARY.stretches[TWIST]], source="video:x.mp4", model="t")) as log:
        for frame in frames:
            log.frame(json.loads(json.dumps(frame.record)))
    records = load_session_log(path).frames
    assert {r["checks"][CHECK]["status"] for r in records} == {"unjudged", "ok"}
    assert all(r["checks"][CHECK]["value"] is None for r in records if r["checks"][CHECK]["status"] == "unjudged")
    hold = summarize(records)["holds"][0]
    assert hold["measurements"]["sitting_tall"]["ok_fraction"] == 1.0
    assert hold["measurements"][CHECK]["ok_fraction"] == 1.0  # of the frames it was judged on


@pytest.mark.parametrize("side", ["right", "left"])
def test_begun_in_the_stretch_a_later_slump_still_stops_the_hold(side: str) -> None:
    """No start position seen (the person was already in the twist): a slump later in the hold
    is caught against the hold's own first half second, as it would be against the start."""
    twist, slumped = CORRECT[TWIST](BODY), sp.piriformis_twist_slumped(BODY)
    runner = RoutineRunner(one_hold(side), slump_judged_only_against_the_start())
    frames = run(runner, person(side, [(0.0, twist), (4.0, twist), (5.0, slumped), (9.0, slumped), (10.0, twist)]),
                 until=13.0)
    assert frames[0].status.phase is Phase.HOLD
    slumped_frames = [f for f in frames if 5.5 <= f.t < 9.0]
    assert slumped_frames and all(not f.update.verdict.correct and f.update.cue == "Sit up tall"
                                  for f in slumped_frames)
    assert all(check_of(f).value < 0.9 for f in slumped_frames)
    upright = [f for f in frames if 1.0 <= f.t < 4.0 or f.t >= 11.0]
    assert all(f.update.verdict.correct for f in upright)


def test_a_hold_begun_slumped_has_nothing_taller_to_compare_with() -> None:
    """What the fallback cannot do: a slump from the hold's first frame is its own reference.
    The 3D lean check (sitting_tall) is what is left to catch it; with it left out, it passes."""
    slumped = sp.piriformis_twist_slumped(BODY)
    runner = RoutineRunner(one_hold("right"), slump_judged_only_against_the_start())
    frames = run(runner, person("right", [(0.0, slumped)]), until=3.0)
    assert all(check_of(f).status is CheckStatus.OK for f in frames if f.t > START_SETTLE_S + 0.1)


def test_each_hold_takes_its_own_start_position() -> None:
    """Right side from sitting tall, then the left side begun already crossed: the right hold's
    reference is not carried over to the left one, which takes its own from its first frames."""
    tall, twist = sp.seated_neutral(BODY), CORRECT[TWIST](BODY)
    runner = RoutineRunner(one_hold("right", ("right", "left")), LIBRARY.stretches)
    right = person("right", [(0.0, tall), (1.5, tall), (2.5, twist)])
    left = person("left", [(0.0, twist)])
    frames = run(runner, lambda t: right(t) if runner.index == 0 else left(t), until=36.0)
    first = [f for f in frames if f.status.slot is not None and f.status.slot.side == "right"
             and f.status.phase is Phase.HOLD and f.t > 3.0]
    second = [f for f in frames if f.status.slot is not None and f.status.slot.side == "left"
              and f.status.phase is Phase.HOLD]
    assert first and all(check_of(f).status is CheckStatus.OK for f in first)
    assert second and check_of(second[0]).status is CheckStatus.UNJUDGED
    assert all(check_of(f).status is CheckStatus.OK for f in second if f.t > second[0].t + START_SETTLE_S + 0.1)


def test_after_a_pause_the_start_position_no_longer_counts(tmp_path: Path) -> None:
    """Paused, the person moves the laptop back; resumed, their trunk is smaller in the picture.
    Against the old start position that would read as a slump and stop the hold: the check is
    measured against the first half second after the pause instead, and the hold goes on counting."""
    near = camera_for(CORRECT[TWIST](BODY), BODY, TWIST)
    target = np.asarray(near.target)
    far = dataclasses.replace(near, position=tuple(target + 1.3 * (np.asarray(near.position) - target)))
    now = {"pose": sp.seated_neutral(BODY), "camera": near}  # what the camera sees, changed by the test

    def seen(t: float):  # type: ignore[no-untyped-def]
        return make_landmarks(now["pose"], BODY, now["camera"], timestamp_s=t)

    coach = LiveCoach(stretch_routine(LIBRARY.stretches[TWIST], ("right",)), LIBRARY.stretches, log_dir=tmp_path,
                      estimator_factory=lambda options: ScriptedEstimator(seen))
    feed(coach, 6.5)  # the 5 s countdown, then sitting tall: the start position
    now["pose"] = CORRECT[TWIST](BODY)
    feed(coach, 5.0, start=106.5)
    before = coach.snapshot()
    rows = {row.check_id: row for row in before.checks}
    assert before.phase == "hold" and before.held_s > 3.0 and rows[CHECK].status == "ok"
    coach.pause()
    now["camera"] = far
    feed(coach, 3.0, start=200.0)
    coach.resume()
    feed(coach, 0.2, start=203.0)
    rows = {row.check_id: row for row in coach.snapshot().checks}
    assert rows[CHECK].status == "unjudged"
    feed(coach, 2.8, start=203.2)
    after = coach.snapshot()
    rows = {row.check_id: row for row in after.checks}
    assert rows[CHECK].status == "ok" and after.correct and after.held_s > before.held_s + 2.0
    coach.close()


def _twist_file() -> dict:  # type: ignore[type-arg]
    with (ROOT / "poses" / f"{TWIST}.toml").open("rb") as file:
        return tomllib.load(file)


def test_a_start_relative_check_needs_a_start_section() -> None:
    data = _twist_file()
    del data["start"]
    with pytest.raises(PoseFileError, match="check 'not_turned_away_from_start' has scale = 'start', but the "
                                            "stretch has no \\[start\\] section"):
        parse_stretch(data, f"poses/{TWIST}.toml")


def test_the_start_position_cannot_be_measured_against_itself() -> None:
    data = _twist_file()
    data["start"]["checks"][0]["measure"]["scale"] = "start"
    with pytest.raises(PoseFileError, match=r"\[start\]: check 'left_knee_over_ankle': scale = 'start' and "
                                            "at_start are not allowed in \\[start\\]") as error:
        parse_stretch(data, f"poses/{TWIST}.toml")
    assert str(error.value).startswith(f"poses/{TWIST}.toml: [start]")
    data = _twist_file()
    data["start"]["checks"][0]["measure"]["at_start"] = ["left_knee"]
    with pytest.raises(PoseFileError, match=r"\[start\]: check 'left_knee_over_ankle': scale = 'start' and "):
        parse_stretch(data, f"poses/{TWIST}.toml")


def test_the_unit_says_what_it_is_measured_against() -> None:
    stretch: Stretch = LIBRARY.stretches[TWIST]
    check = next(c for c in stretch.checks if c.id == CHECK)
    assert check.gate and check.unit == "× start position"
    assert check.target.describe(check.unit) == "≥ 0.92 × start position"


# ------------------------------------------------------------ a turn against the start position

TURN_CHECK = "not_turned_away_from_start"


def wrong_way(degrees: float):  # type: ignore[no-untyped-def]
    """The right side's twist turned ``degrees`` towards the supporting (left) leg instead."""
    return CORRECT[TWIST](BODY).replace(trunk_twist_deg=degrees)


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_turn_the_wrong_way_since_the_start_stops_the_hold_though_the_camera_is_turned(side: str) -> None:
    """The camera 15 degrees off front-on towards the working side: a twist 20 degrees the wrong
    way reads only 5 degrees the wrong way against the camera, which not_turned_away (-15) lets
    pass; against the start position, where the person sat square, it reads 20 and is stopped."""
    tall = sp.seated_neutral(BODY)
    runner = RoutineRunner(one_hold(side), LIBRARY.stretches)
    frames = run(runner, person(side, [(0.0, tall), (1.5, tall), (3.0, wrong_way(20.0))], 15.0), until=6.0)
    turned = [f for f in frames if f.t >= 3.5]
    assert turned and all(not f.update.verdict.correct for f in turned)
    assert all(f.update.cue == f"Turn towards your {side} side, the side of the crossed knee" for f in turned)
    by_id = turned[-1].update.verdict.by_id()
    assert by_id["not_turned_away"].passes  # against the camera: only about 5 degrees the wrong way
    assert by_id[TURN_CHECK].status is CheckStatus.TOO_LOW and by_id[TURN_CHECK].value == pytest.approx(-20, abs=2)
    assert turned[-1].status.hold.held_s == 0.0


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_twist_done_right_with_the_camera_turned_counts(side: str) -> None:
    tall, twist = sp.seated_neutral(BODY), CORRECT[TWIST](BODY)
    for yaw in (-15.0, 15.0):
        runner = RoutineRunner(one_hold(side), LIBRARY.stretches)
        frames = run(runner, person(side, [(0.0, tall), (1.5, tall), (3.0, twist)], yaw), until=6.0)
        held = [f for f in frames if f.t >= 3.5]
        assert all(f.update.verdict.correct for f in held), yaw
        turns = [check_of(f, TURN_CHECK) for f in held]
        assert all(c.status is CheckStatus.OK and c.value > 25 for c in turns), yaw


def test_without_the_start_position_a_turn_is_never_measured_against_the_hold_itself() -> None:
    """Begun in the twist: the hold's first moments are already turned, so the turn check stays
    unjudged all hold (and not_turned_away alone applies), while the slump check takes them."""
    runner = RoutineRunner(one_hold("right"), LIBRARY.stretches)
    frames = run(runner, person("right", [(0.0, CORRECT[TWIST](BODY))]), until=4.0)
    assert all(check_of(f, TURN_CHECK).status is CheckStatus.UNJUDGED for f in frames)
    assert check_of(frames[-1]).status is CheckStatus.OK
    assert all(f.update.verdict.correct for f in frames[1:])


@pytest.mark.parametrize("yaw", [-15.0, 15.0])
def test_the_other_side_takes_its_own_turn_from_the_start_position(yaw: float) -> None:
    """The hold is for the right side and the person does a gentle (15 degree) left twist
    correctly, after sitting square at the start, the camera 15 degrees off: told which side
    they are doing, not to turn the other way. The left side's turn is measured towards the
    left, so its start reference has the other sign: with the right side's, one of the two
    cameras would read this twist 30 degrees short, the wrong way."""
    tall = sp.seated_neutral(BODY)
    left_twist = CORRECT[TWIST](BODY).replace(trunk_twist_deg=-15.0).mirrored()
    camera = camera_for(CORRECT[TWIST](BODY), BODY, TWIST, yaw_offset_deg=yaw)

    def seen(t: float):  # type: ignore[no-untyped-def]
        return make_landmarks(tall if t < 1.5 else left_twist, BODY, camera, timestamp_s=t, noise_px=0.5)

    runner = RoutineRunner(one_hold("right"), LIBRARY.stretches)
    frames = run(runner, seen, until=5.0)
    late = [f for f in frames if f.t >= 3.0]
    assert late and all(f.update.verdict.wrong_side for f in late)
    assert late[-1].update.cue.startswith("That is your left leg crossed over")


def test_a_turn_against_the_start_is_in_degrees_from_it_and_only_rotations_and_lengths_take_a_start() -> None:
    stretch: Stretch = LIBRARY.stretches[TWIST]
    check = next(c for c in stretch.checks if c.id == TURN_CHECK)
    assert check.gate and check.unit == "° from the start position"
    words = target_words(check.target.min, check.target.max, check.unit)
    assert words == "at least -12 degrees from your start position"
    assert value_words(-20.3, check.unit) == "-20 degrees from your start position"
    data = _twist_file()
    angle = next(c for c in data["checks"] if c["id"] == "sitting_tall")
    assert angle["measure"]["kind"] not in ("turn", "twist", "offset", "distance")
    angle["measure"]["scale"] = "start"
    with pytest.raises(PoseFileError, match="sitting_tall"):
        parse_stretch(data, f"poses/{TWIST}.toml")


# ------------------------------------------------------------ the dog's feet against hands and knees

def test_dog_feet_walked_in_during_the_hold_are_caught_against_hands_and_knees() -> None:
    """Hands and knees, then a good dog, then the feet walked in until the V at the hip is 47°:
    feet_back (50°, leaving at 45°) still passes it, but the toes are now about half as far
    from the hands as on hands and knees: the hold stops and the cue says to walk them back."""
    dog_id = "downward_dog"
    dog = CORRECT[dog_id](BODY)
    camera = camera_for(dog, BODY, dog_id, view="side_left")
    hands = joint_positions(dog, BODY)[[PoseLandmark.LEFT_WRIST, PoseLandmark.RIGHT_WRIST]].mean(axis=0)

    def hands_where_the_dogs_are(pose):  # type: ignore[no-untyped-def]
        moved = hands - joint_positions(pose, BODY)[[PoseLandmark.LEFT_WRIST, PoseLandmark.RIGHT_WRIST]].mean(axis=0)
        x, y, z = pose.pelvis_position
        return pose.replace(pelvis_position=(x + moved[0], y, z + moved[2]))

    tabletop = hands_where_the_dogs_are(sp.tabletop(BODY))
    walked_in = hands_where_the_dogs_are(sp._down_dog(BODY, hip_flexion=133.0, knee_flexion=0.0, dorsiflexion=25.0))
    script = [(0.0, tabletop), (1.5, tabletop), (3.0, dog), (6.0, dog), (7.0, walked_in)]

    runner = RoutineRunner(Routine("one", "One hold", "", 0.0, (RoutineStep(dog_id, (None,), 1, 30.0, 0.0),)),
                           LIBRARY.stretches)
    frames = run(runner, scripted(script, camera, noise_px=0.0), until=10.0)
    good = [f for f in frames if 3.5 <= f.t < 6.0]
    assert good and all(f.update.verdict.correct for f in good)
    late = [f for f in frames if f.t >= 7.5]
    assert late and all(not f.update.verdict.correct and f.update.cue == "Walk your feet back a little" for f in late)
    failing = {c.check_id for f in late for c in f.update.verdict.checks if c.gate and not c.passes}
    assert failing == {"feet_back_since_the_start"}  # the V alone, inside its hysteresis, lets it pass
    assert all(f.update.verdict.by_id()["feet_back_since_the_start"].value < 0.57 for f in late)


# ------------------------------------------------------------ a point where it was at the start (at_start)

FIGURE_FOUR = "seated_figure_four"
START_KNEE = "ankle_not_below_knee"


def figure_four_session(side: str, crossed: str, knee_drop: float = 0.0, begin_in_the_stretch: bool = False):
    """Sits tall with both feet down, then does ``crossed`` (a figure-4 kind of the wide set: correct,
    or the ankle resting 20 cm down the other shin) and holds it. ``knee_drop``: the other knee, which
    the crossed ankle hides, drawn that many trunk lengths lower in the stretch, as MediaPipe does
    (the wide render set's accepted ankles on the shin: 0.10-0.44)."""
    chair = {"chair_m": 0.45, "trunk_flexion_deg": 0.0}
    tall, _ = variety.build_pose(FIGURE_FOUR, "leg not crossed", BODY, {**chair, "working_knee_deg": 90.0})
    values = {**chair, "ankle_along_cm": 5.0, "knee_above_hip_cm": 0.0, "ankle_down_shin_cm": 20.0}
    stretch, _ = variety.build_pose(FIGURE_FOUR, crossed, BODY, values)
    camera = camera_for(stretch.mirrored() if side == "left" else stretch, BODY, FIGURE_FOUR)
    script = [(0.0, stretch)] if begin_in_the_stretch else [(0.0, tall), (1.5, tall), (3.0, stretch)]
    at = scripted(script, camera, mirrored=side == "left", noise_px=0.0)
    knee = PoseLandmark[f"{'LEFT' if side == 'right' else 'RIGHT'}_KNEE"]

    def seen(t: float):  # type: ignore[no-untyped-def]
        landmarks = at(t)
        if t < 3.0 and not begin_in_the_stretch:
            return landmarks
        image = landmarks.image.copy()
        trunk = np.linalg.norm(landmarks.pixels[[11, 12]].mean(axis=0) - landmarks.pixels[[23, 24]].mean(axis=0))
        image[knee, 1] += knee_drop * trunk / landmarks.image_size[1]
        return landmarks.replace(image=image)

    return seen


def figure_four_hold(side: str) -> Routine:
    return Routine("one", "One hold", "", 0.0, (RoutineStep(FIGURE_FOUR, (side,), 1, 30.0, 0.0),))


def held_frames(side: str, crossed: str, knee_drop: float = 0.0, begin_in_the_stretch: bool = False,
                asked_for: str | None = None, from_s: float = 4.0) -> list:  # type: ignore[type-arg]
    """The judged frames of one figure-4 hold (for ``asked_for``, by default ``side``) from ``from_s``."""
    runner = RoutineRunner(figure_four_hold(asked_for or side), LIBRARY.stretches)
    frames = run(runner, figure_four_session(side, crossed, knee_drop, begin_in_the_stretch), until=8.0)
    return [f for f in frames if f.t >= from_s]


@pytest.mark.parametrize("side", ["right", "left"])
def test_an_ankle_on_the_shin_that_hides_the_knee_is_caught_where_the_knee_was_at_the_start(side: str) -> None:
    held = held_frames(side, "ankle on the shin", knee_drop=0.2)
    assert held and all(not f.update.verdict.correct for f in held)
    failing = {c.check_id for f in held for c in f.update.verdict.checks if c.gate and not c.passes}
    assert failing == {START_KNEE}  # measured against the knee as drawn now, it would pass
    other = "left" if side == "right" else "right"
    assert all(f.update.cue == f"Slide your {side} ankle up, just above your {other} knee" for f in held)
    assert all(check_of(f, START_KNEE).value < -0.45 for f in held)


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_correct_figure_four_counts_against_the_knee_at_the_start(side: str) -> None:
    held = held_frames(side, "correct")
    assert held and all(f.update.verdict.correct for f in held)
    assert all(check_of(f, START_KNEE).status is CheckStatus.OK and check_of(f, START_KNEE).value > 0.0
               for f in held)


def test_the_ankle_is_on_the_knee_where_the_knee_was_at_the_start() -> None:
    """A correct figure-4 whose hidden knee is drawn 0.55 trunk lengths low: the ankle reads far
    from the knee as drawn, and on it against the knee where it was at the start."""
    after_start = held_frames("right", "correct", knee_drop=0.55)
    begun_in_it = held_frames("right", "correct", knee_drop=0.55, begin_in_the_stretch=True)
    assert after_start and all(check_of(f, "ankle_on_knee").status is CheckStatus.OK
                               and check_of(f, "ankle_on_knee").value < 0.4 for f in after_start)
    assert begun_in_it and all(check_of(f, "ankle_on_knee").status is CheckStatus.TOO_HIGH for f in begun_in_it)


def test_the_other_leg_crossed_after_the_start_is_named_as_the_other_side() -> None:
    """Asked for the right, the person crosses the left leg: the other side's gates take their own
    supporting knee (the right) from the start position, so the figure-4 on the left is recognised."""
    frames = held_frames("left", "correct", asked_for="right", from_s=5.0)  # (the cue before stays 1.5 s)
    assert frames and all(not f.update.verdict.correct and f.update.verdict.wrong_side for f in frames)
    assert {f.update.cue for f in frames} == {"That is your left leg crossed; this hold is for the right"}


def test_without_the_start_position_a_point_at_the_start_is_where_it_is_drawn_now() -> None:
    """Begun in the stretch (or after a pause, which drops the start position): the knee is taken
    where MediaPipe draws it in this frame, as on a still picture, so a hidden knee drawn low lets
    the ankle on the shin pass, as before the start position was used."""
    stretch = LIBRARY.stretches[FIGURE_FOUR]
    as_drawn = dataclasses.replace(stretch, checks=tuple(
        dataclasses.replace(c, measurement=dataclasses.replace(c.measurement, at_start=())) for c in stretch.checks))
    held = held_frames("right", "ankle on the shin", knee_drop=0.2, begin_in_the_stretch=True)
    assert held and all(f.update.verdict.correct for f in held)  # what a front camera cannot see
    at = figure_four_session("right", "ankle on the shin", knee_drop=0.2)
    evaluator, plain = StretchEvaluator(stretch, "right"), StretchEvaluator(as_drawn, "right")
    evaluator.set_start_reference([at(0.5)])
    assert evaluator.evaluate(at(5.0)).by_id()[START_KNEE].status is CheckStatus.TOO_LOW
    evaluator.set_start_reference([])  # a pause
    after, drawn = evaluator.evaluate(at(5.0)).by_id(), plain.evaluate(at(5.0)).by_id()
    assert after[START_KNEE].status is CheckStatus.OK
    assert all(after[c].value == pytest.approx(drawn[c].value) for c in ("ankle_on_knee", START_KNEE))


@pytest.mark.parametrize("change, message", [
    ({"at_start": ["working_hip"]}, "at_start names 'working_hip', which is not one of the points"),
    ({"space": "world"}, "at_start needs space = 'image'"),
    ({"scale": "start"}, "at_start and scale = 'start' cannot be combined"),
])
def test_points_at_the_start_are_refused_where_they_mean_nothing(change: dict[str, object], message: str) -> None:
    with (ROOT / "poses" / f"{FIGURE_FOUR}.toml").open("rb") as file:
        data = tomllib.load(file)
    check = next(c for c in data["checks"] if c["id"] == START_KNEE)
    check["measure"].update(change)
    with pytest.raises(PoseFileError, match=f"{START_KNEE}.*{message}"):
        parse_stretch(data, f"poses/{FIGURE_FOUR}.toml")
