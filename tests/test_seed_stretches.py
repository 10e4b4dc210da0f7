"""Every seed stretch, on the synthetic body: correct poses pass, each mistake fails
exactly its check with its cue, sides mirror, and limits sit where the files say."""

from __future__ import annotations

import numpy as np
import pytest

from coach.stretches import load_library
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyProportions
from coach.tracker import StretchTracker
from coach.verdicts import CheckStatus, StretchEvaluator, detect_side

from synthetic_cases import BODIES, CORRECT, MISTAKES, Mistake, landmarks_for

LIBRARY = load_library()
SIDES = {sid: (("right", "left") if s.has_sides else (None,)) for sid, s in LIBRARY.stretches.items()}


def verdict(stretch_id: str, landmarks, side):
    return StretchEvaluator(LIBRARY.stretches[stretch_id], side).evaluate(landmarks)


@pytest.mark.parametrize("stretch_id", sorted(CORRECT))
@pytest.mark.parametrize("body_name", sorted(BODIES))
@pytest.mark.parametrize("yaw_offset", [-10.0, 0.0, 10.0])
def test_the_correct_pose_is_correct_from_its_view_and_a_little_off_it(stretch_id: str, body_name: str, yaw_offset: float) -> None:
    body = BODIES[body_name]
    for side in SIDES[stretch_id]:
        lm = landmarks_for(CORRECT[stretch_id](body), body, stretch_id, side, yaw_offset_deg=yaw_offset)
        result = verdict(stretch_id, lm, side)
        failing = {c.check_id: round(c.value, 2) for c in result.checks if not c.passes}
        assert result.correct and not failing, f"{stretch_id} {side} {body_name} yaw {yaw_offset}: {failing}"
        assert result.cue is None and result.score == 100


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.stretch_id}:{m.name}")
@pytest.mark.parametrize("body_name", ["average_female", "average_male"])
def test_each_mistake_fails_its_check_and_gets_its_cue(mistake: Mistake, body_name: str) -> None:
    body = BODIES[body_name]
    stretch = LIBRARY.stretches[mistake.stretch_id]
    check = next(c for c in stretch.checks if c.id == mistake.fails)
    for side in SIDES[mistake.stretch_id]:
        lm = landmarks_for(mistake.build(body), body, mistake.stretch_id, side, view=mistake.view)
        result = verdict(mistake.stretch_id, lm, side)
        failing = {c.check_id for c in result.checks if not c.passes}
        if mistake.view:
            # From the wrong view other measurements are unreliable too: what matters
            # is that the view check fails and its cue is the one given.
            assert mistake.fails in failing, f"{mistake.name} ({side}): {failing}"
        else:
            assert failing == {mistake.fails} | mistake.also, f"{mistake.name} ({side}): {failing}"
        assert result.score < 100
        # A gate mistake stops the hold; a depth one (how far) keeps it counting, with its cue.
        assert result.correct is (check.role == "depth"), f"{mistake.name} ({side}): role {check.role}"
        assert not result.depth_met if check.role == "depth" else True
        failed = result.by_id()[mistake.fails]
        expected_cue = check.cue_low if failed.status is CheckStatus.TOO_LOW else check.cue_high
        other = "left" if side == "right" else "right"
        assert result.cue == expected_cue.format(working=side, other=other) if side else expected_cue


@pytest.mark.parametrize("stretch_id", ["seated_piriformis_twist", "seated_figure_four"])
def test_left_and_right_mirror_each_other(stretch_id: str) -> None:
    body = BodyProportions.average_male()
    pose = CORRECT[stretch_id](body)
    right = verdict(stretch_id, landmarks_for(pose, body, stretch_id, "right"), "right")
    left = verdict(stretch_id, landmarks_for(pose, body, stretch_id, "left"), "left")
    for r, l in zip(right.checks, left.checks):
        assert r.value == pytest.approx(l.value, abs=1e-6, nan_ok=True), r.check_id
    # A right-side pose judged as the left side is not correct.
    wrong_side = verdict(stretch_id, landmarks_for(pose, body, stretch_id, "right"), "left")
    assert not wrong_side.correct
    assert detect_side(LIBRARY.stretches[stretch_id], landmarks_for(pose, body, stretch_id, "right")) == "right"
    assert detect_side(LIBRARY.stretches[stretch_id], landmarks_for(pose, body, stretch_id, "left")) == "left"


def _sweep(stretch_id: str, side, poses, check_id: str):
    """Evaluate a sequence of poses with one evaluator (hysteresis carries over)."""
    body = BodyProportions.average_female()
    evaluator = StretchEvaluator(LIBRARY.stretches[stretch_id], side)
    out = []
    for i, pose in enumerate(poses):
        result = evaluator.evaluate(landmarks_for(pose, body, stretch_id, side, timestamp_s=i * 0.04))
        check = result.by_id()[check_id]
        out.append((check.value, check.ok))
    return out


def _flip_values(sweep):
    return [(a[0], b[0]) for a, b in zip(sweep, sweep[1:]) if a[1] != b[1]]


@pytest.mark.parametrize(
    ("stretch_id", "check_id", "field", "limit", "value_of"),
    [
        # Side view of the downward dog: the image-plane knee angle is 180 - flexion.
        ("downward_dog", "knees_straight", "knee_flexion_deg", 150.0, lambda a: 180.0 - a),
        ("downward_dog", "arms_straight", "elbow_flexion_deg", 150.0, lambda a: 180.0 - a),
        # Trunk twist is measured from 3D landmarks: exactly the twist angle.
        ("seated_piriformis_twist", "trunk_turned", "trunk_twist_deg", 12.0, lambda a: -a),
    ],
)
def test_sweeping_a_joint_flips_the_verdict_at_the_declared_limit_with_hysteresis(
    stretch_id: str, check_id: str, field: str, limit: float, value_of
) -> None:
    body = BodyProportions.average_female()
    base = CORRECT[stretch_id](body)
    check = next(c for c in LIBRARY.stretches[stretch_id].checks if c.id == check_id)
    side = "right" if LIBRARY.stretches[stretch_id].has_sides else None
    if field == "trunk_twist_deg":
        angles = np.concatenate([np.arange(-35, 0.01, 0.25), np.arange(0, -35.01, -0.25)])
        poses = [base.replace(trunk_twist_deg=a) for a in angles]
    else:
        angles = np.concatenate([np.arange(0, 40.01, 0.25), np.arange(40, -0.01, -0.25)])
        poses = [base.side("left", **{field: a}).side("right", **{field: a}) for a in angles]
    sweep = _sweep(stretch_id, side, poses, check_id)
    for (value, ok), angle in zip(sweep, angles):
        assert value == pytest.approx(value_of(angle), abs=0.5)
    flips = _flip_values(sweep)
    assert len(flips) == 2, flips
    (out_before, out_after), (in_before, in_after) = flips
    # Leaving: within 2° of limit - hysteresis; entering again: within 2° of the limit itself.
    exit_limit = limit - check.hysteresis
    assert min(out_before, out_after) <= exit_limit + 2.0 and max(out_before, out_after) >= exit_limit - 2.0
    assert min(in_before, in_after) <= limit + 2.0 and max(in_before, in_after) >= limit - 2.0
    assert check.hysteresis > 0 and abs(exit_limit - limit) >= 3.0, "hysteresis visible"


def _count_flips(values: list[bool]) -> int:
    return sum(1 for a, b in zip(values, values[1:]) if a != b)


@pytest.mark.parametrize("knee_flexion", [0.0, 30.0])  # comfortably straight, and right on the limit
def test_noise_of_three_degrees_does_not_make_the_verdict_flicker(knee_flexion: float) -> None:
    body = BodyProportions.average_female()
    pose = sp.downward_dog(body).side("left", knee_flexion_deg=knee_flexion).side("right", knee_flexion_deg=knee_flexion)
    tracker = StretchTracker(LIBRARY.stretches["downward_dog"], None)
    rng = np.random.default_rng(7)
    times = np.cumsum(rng.uniform(1 / 30, 1 / 12, 1200))
    times = times[times <= 60.0]
    lm0 = landmarks_for(pose, body, "downward_dog", None)
    shin_px = float(np.linalg.norm(lm0.pixels[25] - lm0.pixels[27]))
    noise_px = shin_px * np.tan(np.radians(3.0)) / 2  # about ±3° on the knee angle
    correct, raw_angles = [], []
    for t in times:
        lm = landmarks_for(pose, body, "downward_dog", None, timestamp_s=float(t), noise_px=noise_px)
        update = tracker.update(lm, float(t))
        correct.append(update.verdict.correct)
        raw = StretchEvaluator(LIBRARY.stretches["downward_dog"], None).evaluate(lm).by_id()["knees_straight"].value
        raw_angles.append(raw)
    assert np.std(raw_angles) > 1.5, "the noise must really be about ±3° on the raw angle"
    flickers_per_5s = _count_flips(correct) / (times[-1] - times[0]) * 5.0
    assert flickers_per_5s <= 1.0, f"{_count_flips(correct)} flips in {times[-1]:.0f} s"
    if knee_flexion == 0.0:
        assert all(correct[30:]), "a clearly correct pose must stay correct under noise"


def test_missing_and_nan_landmarks_are_not_visible_never_an_error() -> None:
    body = BodyProportions.average_female()
    lm = landmarks_for(CORRECT["downward_dog"](body), body, "downward_dog", None)
    image = lm.image.copy()
    image[[25, 26]] = np.nan  # both knees gone: only a depth check looks at them
    result = verdict("downward_dog", lm.replace(image=image), None)
    statuses = result.by_id()
    assert statuses["knees_straight"].status is CheckStatus.NOT_VISIBLE
    assert result.correct and not result.depth_met and result.cue == "Move so your knees are in view"
    image[[27, 28]] = np.nan  # and the ankles: the inverted-V gate cannot be judged
    result = verdict("downward_dog", lm.replace(image=image), None)
    assert result.by_id()["inverted_v"].status is CheckStatus.NOT_VISIBLE
    assert not result.correct and result.cue == "Move so your feet are in view"
    everything_nan = lm.replace(image=np.full((33, 3), np.nan), world=np.full((33, 3), np.nan),
                                visibility=np.full(33, np.nan), presence=np.full(33, np.nan))
    result = verdict("downward_dog", everything_nan, None)
    # (the check measured against the start position has no start here: not judged at all)
    assert all(c.status is (CheckStatus.UNJUDGED if c.check_id == "feet_back_since_the_start"
                            else CheckStatus.NOT_VISIBLE) for c in result.checks) and not result.correct
    nobody = StretchEvaluator(LIBRARY.stretches["downward_dog"], None).evaluate(None, 1.0)
    assert not nobody.person_visible and nobody.cue.startswith("Step into view")


def test_occluded_landmarks_ask_to_move_into_view() -> None:
    body = BodyProportions.average_female()
    pose = CORRECT["seated_figure_four"](body)
    from coachlab.synthetic.body import make_landmarks
    from synthetic_cases import camera_for
    camera = camera_for(pose, body, "seated_figure_four")
    lm = make_landmarks(pose, body, camera, occluded=[27, 28, 29, 30, 31, 32])  # feet hidden
    result = verdict("seated_figure_four", lm, "right")
    assert not result.correct
    assert result.cue == "Move so your feet are in view"
