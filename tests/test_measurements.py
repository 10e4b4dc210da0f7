"""Measurement functions on hand-placed landmarks: geometry, sides, and missing data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coach.landmarks import NUM_LANDMARKS, Landmarks, PoseLandmark as L
from coach.measurements import (
    BodyContext,
    MeasurementSpec,
    joint_angle,
    measure,
    nearer_side,
    shoulder_hip_twist,
    shoulder_turn,
)

SIZE = (640, 480)


def landmarks(pixels: dict[L, tuple[float, float]], world: dict[L, tuple[float, float, float]] | None = None) -> Landmarks:
    image = np.full((NUM_LANDMARKS, 3), np.nan)
    for index, (x, y) in pixels.items():
        image[index] = (x / SIZE[0], y / SIZE[1], 0.0)
    world_array = np.full((NUM_LANDMARKS, 3), np.nan)
    for index, xyz in (world or {}).items():
        world_array[index] = xyz
    return Landmarks(image, world_array, np.full(NUM_LANDMARKS, 0.9), np.full(NUM_LANDMARKS, 0.9), 0.0, SIZE)


def test_joint_angle_of_a_right_angle_and_a_straight_line() -> None:
    assert joint_angle(np.array([0, 1.0]), np.zeros(2), np.array([1.0, 0])) == pytest.approx(90.0)
    assert joint_angle(np.array([0, 1.0]), np.zeros(2), np.array([0, -1.0])) == pytest.approx(180.0)
    assert math.isnan(joint_angle(np.zeros(2), np.zeros(2), np.array([1.0, 0])))


def test_image_angles_use_pixels_not_normalised_units() -> None:
    # A 45° line in pixels is not 45° in normalised units on a 4:3 frame.
    lm = landmarks({L.LEFT_HIP: (100, 100), L.LEFT_KNEE: (200, 200), L.LEFT_ANKLE: (200, 100)})
    spec = MeasurementSpec("angle", ("left_hip", "left_knee", "left_ankle"))
    assert measure(spec, lm, BodyContext()) == pytest.approx(45.0)


def test_inclination_is_measured_from_straight_up() -> None:
    lm = landmarks({L.RIGHT_KNEE: (300, 300), L.RIGHT_ANKLE: (300, 400), L.RIGHT_HIP: (400, 300)})
    down = MeasurementSpec("inclination", ("right_knee", "right_ankle"))
    level = MeasurementSpec("inclination", ("right_knee", "right_hip"))
    assert measure(down, lm, BodyContext()) == pytest.approx(180.0)
    assert measure(level, lm, BodyContext()) == pytest.approx(90.0)


def test_working_and_other_resolve_to_the_anatomical_side() -> None:
    # Front view, not mirrored: the person's left hip is on the right of the picture.
    pixels = {
        L.LEFT_HIP: (360, 240), L.RIGHT_HIP: (280, 240), L.LEFT_SHOULDER: (360, 100),
        L.RIGHT_SHOULDER: (280, 100), L.LEFT_KNEE: (370, 250), L.RIGHT_ANKLE: (400, 350),
    }
    lm = landmarks(pixels)
    spec = MeasurementSpec("offset", ("working_ankle", "other_knee"), axis="toward_other_side", scale="torso")
    # Right ankle 30 px further to the person's left than the left knee; torso = 140 px.
    assert measure(spec, lm, BodyContext(working_side="right")) == pytest.approx(30 / 140)
    up = MeasurementSpec("offset", ("other_knee", "other_hip"), axis="up", scale="torso")
    assert measure(up, lm, BodyContext(working_side="right")) == pytest.approx(-10 / 140)


def test_offset_along_the_body_does_not_depend_on_which_way_the_picture_is_flipped() -> None:
    pixels = {L.LEFT_HIP: (360, 240), L.RIGHT_HIP: (280, 240), L.LEFT_SHOULDER: (360, 100),
              L.RIGHT_SHOULDER: (280, 100), L.LEFT_KNEE: (370, 250), L.RIGHT_ANKLE: (400, 350)}
    flipped = {k: (SIZE[0] - x, y) for k, (x, y) in pixels.items()}
    spec = MeasurementSpec("offset", ("working_ankle", "other_knee"), axis="toward_other_side", scale="torso")
    context = BodyContext(working_side="right")
    assert measure(spec, landmarks(pixels), context) == pytest.approx(measure(spec, landmarks(flipped), context))


def test_the_level_hip_line_keeps_a_foot_s_height_out_of_its_sideways_offset() -> None:
    """A hip line tilted in the picture (MediaPipe under crossed legs) mixes the
    ankle's height below the knee into an offset along it; the level one does not."""
    pixels = {L.LEFT_SHOULDER: (360, 100), L.RIGHT_SHOULDER: (280, 100),
              L.LEFT_KNEE: (370, 250), L.RIGHT_ANKLE: (400, 350)}
    along = MeasurementSpec("offset", ("working_ankle", "other_knee"), axis="toward_other_side", scale="torso")
    level = MeasurementSpec("offset", ("working_ankle", "other_knee"), axis="across_toward_other_side", scale="torso")
    context = BodyContext(working_side="right")
    for tilt_px in (0, 20, -20):  # the left hip drawn up or down by that much
        hips = {L.LEFT_HIP: (360, 240 - tilt_px), L.RIGHT_HIP: (280, 240 + tilt_px)}
        lm = landmarks({**pixels, **hips})
        assert measure(level, lm, context) == pytest.approx(30 / 140)  # torso: 140 px
        if tilt_px:
            assert abs(measure(along, lm, context) - 30 / 140) > 0.1
    # Which way is "toward the other side" still comes from the hips.
    toward_working = MeasurementSpec("offset", ("working_ankle", "other_knee"), axis="across_toward_working_side",
                                     scale="torso")
    lm = landmarks({**pixels, L.LEFT_HIP: (360, 220), L.RIGHT_HIP: (280, 260)})
    assert measure(toward_working, lm, context) == pytest.approx(-30 / 140)


def test_twist_sign_follows_the_side_the_chest_turns_to() -> None:
    # World: x right of picture, y down, z away from the camera. Person faces the camera.
    hips = {L.LEFT_HIP: (0.1, 0.0, 0.0), L.RIGHT_HIP: (-0.1, 0.0, 0.0)}
    angle = math.radians(30)
    # Chest turned to the person's left: the left shoulder moves away from the camera.
    turned_left = {
        L.LEFT_SHOULDER: (0.2 * math.cos(angle), -0.5, 0.2 * math.sin(angle)),
        L.RIGHT_SHOULDER: (-0.2 * math.cos(angle), -0.5, -0.2 * math.sin(angle)),
    }
    lm = landmarks({}, {**hips, **turned_left})
    assert shoulder_hip_twist(lm, "left") == pytest.approx(30.0)
    assert shoulder_hip_twist(lm, "right") == pytest.approx(-30.0)


def test_turn_is_the_shoulder_line_against_the_camera_not_the_hips() -> None:
    angle = math.radians(30)
    shoulders = {
        L.LEFT_SHOULDER: (0.2 * math.cos(angle), -0.5, 0.2 * math.sin(angle)),
        L.RIGHT_SHOULDER: (-0.2 * math.cos(angle), -0.5, -0.2 * math.sin(angle)),
    }
    square_hips = {L.LEFT_HIP: (0.1, 0.0, 0.0), L.RIGHT_HIP: (-0.1, 0.0, 0.0)}
    # hips turned with the chest (a turned chair): no twist, but still a turn of 30
    turned_hips = {L.LEFT_HIP: (0.1 * math.cos(angle), 0.0, 0.1 * math.sin(angle)),
                   L.RIGHT_HIP: (-0.1 * math.cos(angle), 0.0, -0.1 * math.sin(angle))}
    for hips in (square_hips, turned_hips):
        lm = landmarks({}, {**hips, **shoulders})
        assert shoulder_turn(lm, "left") == pytest.approx(30.0)
        assert shoulder_turn(lm, "right") == pytest.approx(-30.0)
    assert shoulder_hip_twist(landmarks({}, {**turned_hips, **shoulders}), "left") == pytest.approx(0.0, abs=1e-9)
    spec = MeasurementSpec("turn", (), space="world")
    assert spec.landmark_names() == ("left_shoulder", "right_shoulder") and spec.unit == "°"
    value = measure(spec, landmarks({}, {**square_hips, **shoulders}), BodyContext(working_side="left"))
    assert value == pytest.approx(30.0)


def test_nearer_side_uses_depth() -> None:
    world = {L.LEFT_SHOULDER: (0, -0.5, -0.1), L.LEFT_HIP: (0, 0, -0.1), L.LEFT_KNEE: (0.3, 0, -0.1),
             L.RIGHT_SHOULDER: (0, -0.5, 0.1), L.RIGHT_HIP: (0, 0, 0.1), L.RIGHT_KNEE: (0.3, 0, 0.1)}
    assert nearer_side(landmarks({}, world)) == "left"


@pytest.mark.parametrize("kind,points", [
    ("angle", ("left_hip", "left_knee", "left_ankle")),
    ("inclination", ("left_knee", "left_ankle")),
    ("offset", ("left_knee", "left_hip")),
    ("distance", ("left_knee", "left_hip")),
    ("twist", ()),
    ("turn", ()),
])
def test_missing_landmarks_give_nan_never_an_exception(kind: str, points: tuple[str, ...]) -> None:
    lm = landmarks({L.LEFT_HIP: (1, 2)})
    spec = MeasurementSpec(kind, points, space="world" if kind in ("twist", "turn") else "image",
                           axis="up" if kind == "offset" else "any", scale="torso" if kind in ("offset", "distance") else "none")
    assert math.isnan(measure(spec, lm, BodyContext()))


def test_landmarks_validate_their_shapes() -> None:
    with pytest.raises(ValueError, match=r"image must have shape \(33, 3\)"):
        Landmarks(np.zeros((32, 3)), np.zeros((33, 3)), np.ones(33), np.ones(33), 0.0, SIZE)
    with pytest.raises(ValueError, match="image_size must be positive"):
        Landmarks(np.zeros((33, 3)), np.zeros((33, 3)), np.ones(33), np.ones(33), 0.0, (0, 480))


def test_swapped_sides_relabels_left_and_right() -> None:
    lm = landmarks({L.LEFT_KNEE: (10, 20), L.RIGHT_KNEE: (30, 40)})
    swapped = lm.swapped_sides()
    assert np.allclose(swapped.pixels[L.LEFT_KNEE], (30, 40))
    assert np.allclose(swapped.pixels[L.RIGHT_KNEE], (10, 20))
