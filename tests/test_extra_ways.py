"""Ways of doing a stretch that the wide set does not sample (`coachlab.rendered.extra_ways`):
their plans stay out of the wide set's, their poses are what their names say, and a rendered
still of one is read by real MediaPipe on both readings.

The README's figures for these ways come from `tools/render_samples.py extra`; these tests keep
that command able to give them again.
"""

from __future__ import annotations

import dataclasses
import json

import cv2
import numpy as np
import pytest

from coach.landmarks import PoseLandmark as L
from coach.stretches import load_library
from coach.verdicts import StretchEvaluator
from coachlab.rendered import extra_ways, wide
from coachlab.synthetic import variety
from coachlab.synthetic.body import BodyProportions, joint_positions, make_landmarks
from coachlab.synthetic.variants import camera_for

TWIST = {"chair_m": 0.45, "twist_deg": 30.0, "foot_out_cm": 8.0, "foot_fore_cm": 0.0, "heel_lift_cm": 3.0,
         "trunk_flexion_deg": 5.0, "hands": "knee"}


def test_each_extra_way_is_planned_over_every_body_both_sides_and_both_parts_apart_from_the_wide_set():
    wide_ids = {s.still_id for s in wide.plan_wide()}
    for name, way in extra_ways.EXTRA_WAYS.items():
        plan = extra_ways.plan_extra(name)
        assert len(plan) == way.count and len({s.still_id for s in plan}) == way.count
        assert not {s.still_id for s in plan} & wide_ids, name
        assert {s.body for s in plan} == set(wide.body_types()), name
        sides = {s.side for s in plan} if way.stretch_id != "downward_dog" else {s.view for s in plan}
        assert sides in ({"left", "right"}, {"side_left", "side_right"}), name  # the dog: seen from either side
        assert {s.part for s in plan} == set(wide.PARTS), name
        assert all(abs(s.yaw_deg) <= wide.YAW_RANGE_DEG for s in plan)
        assert variety.kind(way.stretch_id, way.kind) in variety.EXTRA_KINDS
        assert plan == extra_ways.plan_extra(name)  # the same stills every time: the figures can be redone
    with pytest.raises(KeyError, match="twist-knee-in"):
        extra_ways.plan_extra("no-such-way")


def test_the_wide_plan_samples_none_of_the_extra_kinds():
    planned = {(s.stretch_id, s.kind) for s in wide.plan_wide()}
    assert not planned & {(k.stretch_id, k.name) for k in variety.EXTRA_KINDS}


def _posed(kind_name: str, values: dict, stretch_id: str = "seated_piriformis_twist"):
    p = BodyProportions.average_female()
    pose, derived = variety.build_pose(stretch_id, kind_name, p, values)
    return p, pose, derived


def test_a_supporting_knee_brought_in_moves_towards_the_middle_with_its_foot_still_planted():
    p, upright, _ = _posed("correct", TWIST)
    _, knee_in, derived = _posed("supporting knee in", {**TWIST, "knee_in_deg": 10.0})
    before, after = joint_positions(upright, p), joint_positions(knee_in, p)
    middle = (before[L.LEFT_HIP][0] + before[L.RIGHT_HIP][0]) / 2
    moved_in = abs(before[L.LEFT_KNEE][0] - middle) - abs(after[L.LEFT_KNEE][0] - middle)
    assert 0.04 < moved_in < 0.12  # about a thigh length times sin(10 degrees)
    assert abs(after[L.LEFT_FOOT_INDEX][1] - before[L.LEFT_FOOT_INDEX][1]) < 0.005  # still on the floor
    # the crossed foot is placed against the knee where it now is
    assert abs(derived["foot_out_measured_cm"] - TWIST["foot_out_cm"]) < 0.5


FIGURE_FOUR = {"chair_m": 0.45, "ankle_along_cm": 5.0, "knee_above_hip_cm": 2.0, "trunk_flexion_deg": 5.0}


@pytest.mark.parametrize("kind_name, lean_deg", [("supporting foot tucked back", -25.0),
                                                 ("supporting foot forward", 25.0)])
def test_a_figure_four_supporting_foot_tucked_back_or_forward_stays_flat_on_the_floor(kind_name: str,
                                                                                      lean_deg: float):
    p, upright, _ = _posed("correct", FIGURE_FOUR, "seated_figure_four")
    _, leaning, derived = _posed(kind_name, {**FIGURE_FOUR, "support_lean_deg": lean_deg}, "seated_figure_four")
    before, after = joint_positions(upright, p), joint_positions(leaning, p)
    shin = after[L.LEFT_ANKLE] - after[L.LEFT_KNEE]
    forward = np.degrees(np.arctan2(shin[2], -shin[1]))  # + : the foot in front of the knee (towards the camera)
    assert forward == pytest.approx(lean_deg, abs=1.0)
    for point in (L.LEFT_HEEL, L.LEFT_FOOT_INDEX):  # flat on the floor, as when it stands under the knee
        assert abs(after[point][1] - before[point][1]) < 0.005
    # the crossed leg is placed as asked, on the supporting knee where it now is
    assert derived["knee_above_hip_measured_cm"] == pytest.approx(FIGURE_FOUR["knee_above_hip_cm"], abs=0.5)


def test_a_twist_with_the_supporting_shin_upright_keeps_the_crossed_foot_where_it_was_asked():
    p, _, _ = _posed("correct", TWIST)
    _, upright, derived = _posed("supporting shin upright", {**TWIST, "support_lean_deg": 5.0})
    j = joint_positions(upright, p)
    shin = j[L.LEFT_ANKLE] - j[L.LEFT_KNEE]
    assert np.degrees(np.arctan2(shin[2], -shin[1])) == pytest.approx(5.0, abs=1.0)  # the wide set's: 28
    assert abs(j[L.LEFT_FOOT_INDEX][1]) < 0.005 and abs(j[L.LEFT_HEEL][1]) < 0.005  # flat on the floor
    assert derived["foot_out_measured_cm"] == pytest.approx(TWIST["foot_out_cm"], abs=0.5)


def test_a_twist_turned_the_wrong_way_stops_the_hold_and_is_told_which_way_to_turn():
    """Exact joints: turned 30° towards the supporting leg, the chest faces the other side, so
    `not_turned_away` fails (and the depth targets fall short). Its truth says so too."""
    p, pose, _ = _posed("turned the wrong way", {**TWIST, "twist_deg": -30.0})
    stretch = load_library().stretches["seated_piriformis_twist"]
    verdict = StretchEvaluator(stretch, "right").evaluate(make_landmarks(pose, p, camera_for(pose, p, stretch.id)))
    failing = [c.check_id for c in verdict.checks if c.gate and not c.passes]
    assert failing == ["not_turned_away"] and not verdict.correct
    assert verdict.cue == "Turn towards your right side, the side of the crossed knee"
    assert not verdict.wrong_side  # the feet say this side: it is not the other side's twist
    turned = variety.kind("seated_piriformis_twist", "turned the wrong way")
    assert not variety.is_correct("seated_piriformis_twist", turned.breaks)


def test_a_rendered_extra_still_is_read_on_the_picture_and_after_h264_and_a_stale_one_is_left_out(
        tmp_path, astronaut_rgb):
    """Real MediaPipe on a real photo standing in for a render; a picture whose truth is for
    another still (the plan changed since) is not read as this one."""
    name = "figure-four-leaning"
    first, second = extra_ways.plan_extra(name)[:2]
    canvas = cv2.copyMakeBorder(cv2.resize(astronaut_rgb, (360, 360)), 0, 0, 60, 60, cv2.BORDER_CONSTANT,
                                value=(40, 40, 40))
    for spec in (first, second):
        png = extra_ways.extra_png(tmp_path, name, spec)
        png.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(png), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
        truth = wide.still_truth(spec)
        if spec is second:
            moved = dataclasses.replace(spec, camera_height_m=spec.camera_height_m + 0.1)
            truth = {**truth, **dataclasses.asdict(moved)}
        wide.truth_path(png).write_text(json.dumps(truth))

    rows = extra_ways.read_extra(tmp_path, name)
    assert [(r["still_id"], r["reading"]) for r in rows] == [(first.still_id, "picture"),
                                                            (first.still_id, "after H.264")]
    for row in rows:
        assert row["person"] and row["height_px"] > 200  # the photo's person, 360 px tall
        assert not row["accepted"] and row["failing_gates"]  # a standing astronaut is no figure-4
        assert row["exact_accepted"]  # the planned pose itself is a correct figure-4
    summary = extra_ways.extra_summary(name, rows)
    assert "1 of 48 stills rendered" in summary
    assert "picture: accepted 0 of 1 (exact joints 1)" in summary and "after H.264: accepted 0 of 1" in summary
    assert np.isfinite(rows[0]["checks"]["facing_camera"]["value"])


def test_an_unknown_extra_way_is_named_with_the_known_ones_not_a_traceback():
    """`render_samples.py extra NAME` and `render --set extra --only NAME` with a mistyped name."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "tools" / "render_samples.py"
    spec = importlib.util.spec_from_file_location("render_samples", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for argv in (["extra", "twist-knees-in"], ["render", "--set", "extra", "--only", "twist-knees-in"]):
        with pytest.raises(SystemExit) as stopped:
            tool.main(argv)
        assert stopped.value.code == ("error: no extra way twist-knees-in "
                                      f"(known: {', '.join(extra_ways.EXTRA_WAYS)})"), argv
        assert "twist-knee-in" in stopped.value.code


def test_a_figure_four_with_hands_on_the_seat_has_them_beside_the_hips_and_the_legs_as_in_the_wide_set():
    values = {**FIGURE_FOUR, "arms": "seat"}
    p, held, _ = _posed("correct", FIGURE_FOUR, "seated_figure_four")
    _, on_seat, derived = _posed("hands on the seat", values, "seated_figure_four")
    before, after = joint_positions(held, p), joint_positions(on_seat, p)
    for side in ("LEFT", "RIGHT"):
        wrist, hip = after[L[f"{side}_WRIST"]], after[L[f"{side}_HIP"]]
        assert abs(wrist[1] - FIGURE_FOUR["chair_m"]) < 0.03  # resting on the seat
        assert abs(wrist[0]) > abs(hip[0]) + 0.05  # outside its hip
    # the wide set's hands hold the crossed ankle and knee
    assert np.linalg.norm(before[L.LEFT_WRIST] - before[L.RIGHT_ANKLE]) < 0.1
    legs = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    assert np.abs(after[legs] - before[legs]).max() < 0.005  # only the arms moved
    assert derived["knee_above_hip_measured_cm"] == pytest.approx(FIGURE_FOUR["knee_above_hip_cm"], abs=0.5)


DOG = {"hip_angle_deg": 80.0, "knee_angle_deg": 170.0, "elbow_angle_deg": 175.0, "spine_flexion_deg": 5.0,
       "heel_lift_cm": 4.0, "shoulder_flexion_deg": 172.0}


def _on_the_floor(j: np.ndarray) -> bool:
    floor = [L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    return float(np.ptp(j[floor][:, 1])) < 0.03


def _heel_lift(j: np.ndarray) -> float:
    """How far the left heel is above the left toes (metres)."""
    return float(j[L.LEFT_HEEL][1] - j[L.LEFT_FOOT_INDEX][1])


def test_a_dog_with_the_heels_high_lifts_them_as_asked_with_hands_and_toes_still_on_the_floor():
    p, pose, _ = _posed("heels high", {**DOG, "heel_lift_cm": 16.0, "knee_angle_deg": 150.0}, "downward_dog")
    j = joint_positions(pose, p)
    assert _heel_lift(j) == pytest.approx(0.16, abs=0.01)
    assert _on_the_floor(j)
    stretch = load_library().stretches["downward_dog"]
    verdict = StretchEvaluator(stretch, "left").evaluate(make_landmarks(pose, p, camera_for(pose, p, stretch.id)))
    knees = next(c for c in verdict.checks if c.check_id == "knees_straight")
    assert knees.value == pytest.approx(150.0, abs=3.0) and not knees.gate  # short of depth, still a dog


def test_a_dog_looking_forward_lifts_the_head_and_leaves_the_rest_of_the_body_where_it_was():
    p, hanging, _ = _posed("correct", DOG, "downward_dog")
    _, looking, _ = _posed("looking forward", {**DOG, "neck_flexion_deg": -30.0}, "downward_dog")
    before, after = joint_positions(hanging, p), joint_positions(looking, p)
    assert after[L.NOSE][1] > before[L.NOSE][1] + 0.03  # the face comes up to look ahead
    body = [L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_WRIST, L.LEFT_ANKLE]
    assert np.abs(after[body] - before[body]).max() < 0.005
    assert _on_the_floor(after)


def test_a_figure_four_pressed_by_one_hand_has_that_hand_on_the_crossed_knee_and_the_other_on_the_seat():
    p, on_knee, _ = _posed("one hand on the knee", {**FIGURE_FOUR, "arms": "knee"}, "seated_figure_four")
    j = joint_positions(on_knee, p)
    assert np.linalg.norm(j[L.RIGHT_WRIST] - j[L.RIGHT_KNEE]) < 0.1  # the crossed (right) knee's own hand
    assert abs(j[L.LEFT_WRIST][1] - FIGURE_FOUR["chair_m"]) < 0.03 and abs(j[L.LEFT_WRIST][0]) > abs(j[L.LEFT_HIP][0])
    assert np.linalg.norm(j[L.LEFT_WRIST] - j[L.RIGHT_ANKLE]) > 0.25  # nothing on the crossed ankle


@pytest.mark.parametrize("kind_name, broken", [("ankle on the shin, one hand on the knee", "ankle_not_below_knee"),
                                               ("ankle on the middle of the thigh, one hand on the knee",
                                                "ankle_on_knee")])
def test_the_wrong_crossings_with_one_hand_on_the_knee_are_wrong_by_their_truth(kind_name: str, broken: str):
    kind = variety.kind("seated_figure_four", kind_name)
    assert broken in kind.breaks and not variety.is_correct("seated_figure_four", kind.breaks)
    p = BodyProportions.average_female()
    values = variety.stratified_values(kind, 0, 48, seed=1)
    pose, _ = variety.build_pose("seated_figure_four", kind_name, p, values)
    j = joint_positions(pose, p)
    assert np.linalg.norm(j[L.RIGHT_WRIST] - j[L.RIGHT_KNEE]) < 0.2  # as near as a tall seated arm reaches
    shin_or_thigh = j[L.LEFT_ANKLE] if "shin" in kind_name else j[L.LEFT_HIP]
    assert np.linalg.norm(j[L.RIGHT_ANKLE] - shin_or_thigh) < np.linalg.norm(j[L.LEFT_KNEE] - shin_or_thigh)


def test_a_dog_with_one_knee_bent_keeps_its_toes_where_they_were_and_lifts_that_heel():
    p, straight, _ = _posed("correct", DOG, "downward_dog")
    _, walking, _ = _posed("one knee bent", {**DOG, "pedal_knee_angle_deg": 125.0}, "downward_dog")
    before, after = joint_positions(straight, p), joint_positions(walking, p)
    assert np.abs(after[L.LEFT_FOOT_INDEX] - before[L.LEFT_FOOT_INDEX]).max() < 0.01  # toes stay put
    assert _heel_lift(after) > _heel_lift(before) + 0.05
    assert after[L.LEFT_KNEE][1] < before[L.LEFT_KNEE][1] - 0.02  # the knee bends towards the floor
    right = [L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX, L.LEFT_WRIST, L.RIGHT_SHOULDER]
    assert np.abs(after[right] - before[right]).max() < 0.005  # the rest of the dog as it was
    assert _on_the_floor(after)
    stretch = load_library().stretches["downward_dog"]
    for view in ("side_left", "side_right"):  # the bent knee near the camera, then far from it
        seen = make_landmarks(walking, p, camera_for(walking, p, stretch.id, view=view))
        verdict = StretchEvaluator(stretch, None).evaluate(seen)
        assert verdict.correct, view  # a depth shortfall at most: the hold counts


def test_a_twist_looking_over_the_shoulder_turns_only_the_head_further_the_same_way():
    p, facing, _ = _posed("correct", TWIST)
    _, looking, _ = _posed("looking over the shoulder", {**TWIST, "head_turn_deg": 40.0})
    before, after = joint_positions(facing, p), joint_positions(looking, p)
    # the right twist turns the right shoulder back; the nose follows further to the right, less forward
    assert before[L.RIGHT_SHOULDER][2] < before[L.LEFT_SHOULDER][2]
    assert after[L.NOSE][0] < before[L.NOSE][0] - 0.02 and after[L.NOSE][2] < before[L.NOSE][2] - 0.02
    assert np.abs(after[L.LEFT_SHOULDER:] - before[L.LEFT_SHOULDER:]).max() < 1e-6  # the body below the head


@pytest.mark.parametrize("kind_name, fore_cm", [("crossed foot forward", 15.0), ("crossed foot back", -12.0)])
def test_a_twist_with_the_crossed_foot_further_forward_or_back_moves_only_that_foot(kind_name: str,
                                                                                      fore_cm: float):
    p, usual, _ = _posed("correct", TWIST)
    _, moved, derived = _posed(kind_name, {**TWIST, "foot_fore_cm": fore_cm})
    before, after = joint_positions(usual, p), joint_positions(moved, p)
    # forward or back of the supporting knee by about what was asked, still outside it, toes down
    assert (after[L.RIGHT_ANKLE][2] - after[L.LEFT_KNEE][2]) * 100 == pytest.approx(fore_cm, abs=2.0)
    assert derived["foot_out_measured_cm"] == pytest.approx(TWIST["foot_out_cm"], abs=0.5)
    assert abs(after[L.RIGHT_FOOT_INDEX][1]) < 0.005
    # the supporting leg and the trunk are where they were
    for joint in (L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER):
        assert np.abs(after[joint] - before[joint]).max() < 1e-6
    stretch = load_library().stretches["seated_piriformis_twist"]
    seen = make_landmarks(moved, p, camera_for(moved, p, stretch.id))
    assert StretchEvaluator(stretch, "right").evaluate(seen).correct  # exact joints: a correct twist
