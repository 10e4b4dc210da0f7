"""Tests for the synthetic skeleton, camera, seed poses and clip helpers."""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

import numpy as np
import pytest

from coach.landmarks import NUM_LANDMARKS, Landmarks
from coach.landmarks import PoseLandmark as L
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import (
    SWAP_SIDES,
    BodyPose,
    BodyProportions,
    Camera,
    angle_deg,
    grounded,
    inclination_deg,
    joint_positions,
    make_landmarks,
    project,
)
from coachlab.synthetic.sequences import interpolate_poses, jittered_timestamps, pose_at, render_clip

PRESETS = BodyProportions.presets()
PRESET_NAMES = list(PRESETS)
SIDED_ANGLE_NAMES = [
    f.name[len("left_"):] for f in dataclasses.fields(BodyPose) if f.name.startswith("left_")
]


@lru_cache(maxsize=None)
def seed(name: str, body: str, side: str = "right") -> np.ndarray:
    """Scene joints of a seed pose; ``side="left"`` uses the mirrored pose."""
    p = PRESETS[body]
    pose = sp.SEED_POSES[name](p)
    if side == "left":
        pose = pose.mirrored()
    return joint_positions(pose, p)


def random_pose(rng: np.random.Generator) -> BodyPose:
    """A random (not necessarily anatomical) pose with every field exercised."""
    values: dict[str, object] = {"pelvis_position": tuple(rng.uniform(-1, 1, 3))}
    for f in dataclasses.fields(BodyPose):
        if f.name != "pelvis_position":
            values[f.name] = float(rng.uniform(-120, 120))
    return BodyPose(**values)  # type: ignore[arg-type]


def signed_angle_about_y(a: np.ndarray, b: np.ndarray) -> float:
    """Angle from a to b about +y (after projecting both on the floor plane)."""
    a = np.array([a[0], 0.0, a[2]])
    b = np.array([b[0], 0.0, b[2]])
    return math.degrees(math.atan2(np.cross(a, b)[1], np.dot(a, b)))


def mid(points: np.ndarray, a: L, b: L) -> np.ndarray:
    return (points[a] + points[b]) / 2


# --------------------------------------------------------------------------- skeleton


def assert_bone_lengths(j: np.ndarray, p: BodyProportions) -> None:
    d = lambda a, b: float(np.linalg.norm(j[a] - j[b]))  # noqa: E731
    for side in ("LEFT", "RIGHT"):
        s = lambda name: L[f"{side}_{name}"]  # noqa: E731
        assert d(s("HIP"), s("KNEE")) == pytest.approx(p.thigh_m, abs=1e-9)
        assert d(s("KNEE"), s("ANKLE")) == pytest.approx(p.shank_m, abs=1e-9)
        assert d(s("SHOULDER"), s("ELBOW")) == pytest.approx(p.upper_arm_m, abs=1e-9)
        assert d(s("ELBOW"), s("WRIST")) == pytest.approx(p.forearm_m, abs=1e-9)
        assert d(s("ANKLE"), s("HEEL")) == pytest.approx(math.hypot(p.ankle_height_m, p.heel_back_m), abs=1e-9)
        assert d(s("ANKLE"), s("FOOT_INDEX")) == pytest.approx(
            math.hypot(p.ankle_height_m, p.toe_forward_m), abs=1e-9
        )
    assert d(L.LEFT_HIP, L.RIGHT_HIP) == pytest.approx(p.hip_width_m, abs=1e-9)
    assert d(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) == pytest.approx(p.shoulder_width_m, abs=1e-9)
    torso = np.linalg.norm(mid(j, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(j, L.LEFT_HIP, L.RIGHT_HIP))
    assert torso == pytest.approx(p.torso_m, abs=1e-9)
    ear_gap = np.linalg.norm(j[L.LEFT_EAR] - j[L.RIGHT_EAR])
    assert ear_gap == pytest.approx(2 * p.ear[0], abs=1e-9)


@pytest.mark.parametrize("body", PRESET_NAMES)
@pytest.mark.parametrize("name", list(sp.SEED_POSES))
def test_bone_lengths_in_seed_poses(body: str, name: str) -> None:
    assert_bone_lengths(seed(name, body), PRESETS[body])
    assert_bone_lengths(seed(name, body, "left"), PRESETS[body])


def test_bone_lengths_in_random_poses() -> None:
    rng = np.random.default_rng(1)
    for _ in range(40):
        p = PRESETS[PRESET_NAMES[int(rng.integers(len(PRESET_NAMES)))]]
        assert_bone_lengths(joint_positions(random_pose(rng), p), p)


def test_presets_differ_in_ratios_not_just_scale() -> None:
    ratios = {
        name: np.array([p.thigh_m, p.shank_m, p.torso_m, p.hip_width_m, p.shoulder_width_m, p.upper_arm_m])
        / p.height_m
        for name, p in PRESETS.items()
    }
    names = list(ratios)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert np.abs(ratios[a] - ratios[b]).max() > 0.005, (a, b)


@pytest.mark.parametrize("body", PRESET_NAMES)
def test_standing_is_as_tall_as_the_body(body: str) -> None:
    p = PRESETS[body]
    j = seed("standing", body)
    assert j[[L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX], 1] == pytest.approx(0.0, abs=1e-9)
    # ears sit 0.068 H below the crown in from_height
    assert j[L.LEFT_EAR, 1] == pytest.approx(p.height_m * (1 - 0.068), abs=1e-6)
    assert j[L.NOSE, 2] > j[L.LEFT_EAR, 2]  # facing +z
    assert j[L.LEFT_HIP, 0] > 0 > j[L.RIGHT_HIP, 0]  # anatomical left is +x


def test_requested_joint_angles_are_reproduced() -> None:
    rng = np.random.default_rng(2)
    p = BodyProportions.average_male()
    for _ in range(30):
        knee, elbow = rng.uniform(0, 150), rng.uniform(0, 150)
        hip, shoulder = rng.uniform(-20, 150), rng.uniform(-40, 180)
        pose = BodyPose(
            pelvis_position=(0.0, 1.0, 0.0),
            body_yaw_deg=float(rng.uniform(-180, 180)),
            left_knee_flexion_deg=knee,
            right_elbow_flexion_deg=elbow,
            right_hip_flexion_deg=hip,
            left_shoulder_flexion_deg=shoulder,
            left_hip_abduction_deg=float(rng.uniform(-20, 40)),
            left_hip_external_rotation_deg=float(rng.uniform(-40, 40)),
            right_shoulder_abduction_deg=float(rng.uniform(-20, 90)),
        )
        j = joint_positions(pose, p)
        assert angle_deg(j[L.LEFT_HIP], j[L.LEFT_KNEE], j[L.LEFT_ANKLE]) == pytest.approx(180 - knee, abs=0.5)
        assert angle_deg(j[L.RIGHT_SHOULDER], j[L.RIGHT_ELBOW], j[L.RIGHT_WRIST]) == pytest.approx(180 - elbow, abs=0.5)
        down = j[L.RIGHT_HIP] + np.array([0.0, -1.0, 0.0])
        assert angle_deg(down, j[L.RIGHT_HIP], j[L.RIGHT_KNEE]) == pytest.approx(abs(hip), abs=0.5)
        below_shoulder = j[L.LEFT_SHOULDER] + np.array([0.0, -1.0, 0.0])
        assert angle_deg(below_shoulder, j[L.LEFT_SHOULDER], j[L.LEFT_ELBOW]) == pytest.approx(abs(shoulder), abs=0.5)


def test_angle_signs_follow_the_documented_conventions() -> None:
    p = BodyProportions.average_female()
    base = sp.standing(p)
    j0 = joint_positions(base, p)
    forward = np.array([0.0, 0.0, 1.0])
    left = np.array([1.0, 0.0, 0.0])

    def moved(landmark: L, **changes: float) -> np.ndarray:
        return joint_positions(base.replace(**changes), p)[landmark] - j0[landmark]

    assert moved(L.LEFT_KNEE, left_hip_flexion_deg=30) @ forward > 0  # thigh forward
    assert moved(L.LEFT_ANKLE, left_knee_flexion_deg=30) @ forward < 0  # shin back
    assert moved(L.LEFT_KNEE, left_hip_abduction_deg=30) @ left > 0  # left thigh out to the left
    assert moved(L.RIGHT_KNEE, right_hip_abduction_deg=30) @ left < 0  # right thigh out to the right
    assert moved(L.LEFT_WRIST, left_elbow_flexion_deg=60) @ forward > 0  # forearm forward
    assert moved(L.LEFT_ELBOW, left_shoulder_flexion_deg=60) @ forward > 0
    assert moved(L.LEFT_FOOT_INDEX, left_ankle_dorsiflexion_deg=20)[1] > 0  # toes up
    assert moved(L.NOSE, trunk_flexion_deg=30) @ forward > 0
    assert moved(L.NOSE, pelvis_pitch_deg=30) @ forward > 0
    assert moved(L.NOSE, trunk_side_bend_deg=20) @ left > 0
    assert moved(L.NOSE, pelvis_roll_deg=20) @ left > 0
    assert moved(L.NOSE, neck_rotation_deg=40) @ left > 0
    assert moved(L.NOSE, body_yaw_deg=30) @ left > 0  # turns toward the person's left
    # positive twist turns the chest to the person's left: the right shoulder comes forward
    assert moved(L.RIGHT_SHOULDER, trunk_twist_deg=30) @ forward > 0
    assert moved(L.LEFT_SHOULDER, trunk_twist_deg=30) @ forward < 0


def test_trunk_twist_is_the_angle_between_shoulder_and_hip_lines() -> None:
    p = BodyProportions.average_male()
    for twist in (-50.0, -35.0, -10.0, 0.0, 20.0, 45.0):
        for yaw in (0.0, 70.0, -130.0):
            pose = sp.seated_neutral(p).replace(trunk_twist_deg=twist, body_yaw_deg=yaw)
            j = joint_positions(pose, p)
            measured = signed_angle_about_y(j[L.LEFT_HIP] - j[L.RIGHT_HIP], j[L.LEFT_SHOULDER] - j[L.RIGHT_SHOULDER])
            assert measured == pytest.approx(twist, abs=0.5)


def test_external_rotation_swings_the_bent_shin_toward_the_other_leg() -> None:
    p = BodyProportions.average_female()
    for side, sign in (("right", 1.0), ("left", -1.0)):
        base = sp.seated_neutral(p)
        ankle = L[f"{side.upper()}_ANKLE"]
        knee = L[f"{side.upper()}_KNEE"]
        for er in (10.0, 30.0, 60.0):
            j = joint_positions(base.side(side, hip_external_rotation_deg=er), p)
            shin = j[ankle] - j[knee]
            assert sign * shin[0] > 0  # toward the other leg
            assert math.degrees(math.atan2(abs(shin[0]), -shin[1])) == pytest.approx(er, abs=0.5)


# --------------------------------------------------------------------------- mirror


def test_left_and_right_limbs_are_exact_mirrors_for_the_same_angles() -> None:
    rng = np.random.default_rng(3)
    p = BodyProportions.tall_long_legged()
    for _ in range(20):
        angles = {name: float(rng.uniform(-90, 120)) for name in SIDED_ANGLE_NAMES}
        pose = BodyPose(pelvis_position=(0.0, 1.0, 0.0)).side("left", **angles).side("right", **angles)
        j = joint_positions(pose, p)
        np.testing.assert_allclose(j * [-1, 1, 1], j[SWAP_SIDES], atol=1e-12)


def test_mirrored_pose_is_the_x_mirror_with_sides_swapped() -> None:
    rng = np.random.default_rng(4)
    for name, p in PRESETS.items():
        for _ in range(10):
            pose = random_pose(rng)
            a = joint_positions(pose, p)
            b = joint_positions(pose.mirrored(), p)
            np.testing.assert_allclose(b, (a * [-1, 1, 1])[SWAP_SIDES], atol=1e-12, err_msg=name)
            assert pose.mirrored().mirrored() == pose


def test_mirrored_landmarks_in_a_front_camera() -> None:
    p = BodyProportions.average_female()
    pose = sp.figure_four(p)
    cam = Camera.around((0.0, 0.8, 0.0), "front", 2.5, height_m=0.8)
    a = make_landmarks(pose, p, cam)
    b = make_landmarks(pose.mirrored(), p, cam)
    expected = a.swapped_sides()
    np.testing.assert_allclose(b.image[:, 0], 1.0 - expected.image[:, 0], atol=1e-12)
    np.testing.assert_allclose(b.image[:, 1:], expected.image[:, 1:], atol=1e-12)
    np.testing.assert_allclose(b.world, expected.world * [-1, 1, 1], atol=1e-12)


# --------------------------------------------------------------------------- camera


def test_point_on_the_optical_axis_lands_at_the_image_centre() -> None:
    cam = Camera(position=(0.3, 1.2, 3.0), target=(-0.2, 0.7, 0.1), vertical_fov_deg=55, image_size=(640, 480))
    axis = np.subtract(cam.target, cam.position)
    pts = np.array([cam.position + 0.5 * axis, cam.target, cam.position + 2 * axis])
    image, in_frame = project(pts, cam)
    np.testing.assert_allclose(image[:, :2], 0.5, atol=1e-12)
    assert in_frame.all()
    assert image[1, 2] == pytest.approx(0.0, abs=1e-12)  # depth measured from the target
    assert image[0, 2] < 0 < image[2, 2]  # nearer is smaller


def test_known_offset_lands_at_the_pinhole_pixel() -> None:
    w, h, fov = 640, 480, 60.0
    cam = Camera(position=(0.0, 1.0, 3.0), target=(0.0, 1.0, 0.0), vertical_fov_deg=fov, image_size=(w, h))
    f = (h / 2) / math.tan(math.radians(fov / 2))
    # camera looks along -z, so picture-right is +x and picture-down is -y
    pt = np.array([[0.4, 1.0 - 0.25, 1.0]])  # 2 m in front, 0.4 right, 0.25 down
    image, in_frame = project(pt, cam)
    assert image[0, 0] * w == pytest.approx(w / 2 + f * 0.4 / 2.0, abs=1e-9)
    assert image[0, 1] * h == pytest.approx(h / 2 + f * 0.25 / 2.0, abs=1e-9)
    assert in_frame[0]
    behind, in_frame = project(np.array([[0.0, 1.0, 4.0]]), cam)
    assert np.isnan(behind).all() and not in_frame[0]


def test_front_view_is_not_mirrored_and_back_view_is() -> None:
    p = BodyProportions.average_male()
    pose = sp.standing(p)
    target = (0.0, 1.0, 0.0)
    front = make_landmarks(pose, p, Camera.around(target, "front", 3.0))
    back = make_landmarks(pose, p, Camera.around(target, "back", 3.0))
    for lm in (L.LEFT_HIP, L.LEFT_SHOULDER, L.LEFT_WRIST):
        assert front.image[lm, 0] > 0.5 > back.image[lm, 0]
    assert front.image[L.NOSE, 2] < 0 < back.image[L.NOSE, 2]
    assert front.world[L.NOSE, 1] < 0  # world y points down
    np.testing.assert_allclose(front.world[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0), 0.0, atol=1e-12)


@pytest.mark.parametrize(
    ("view", "nearer", "farther"),
    [
        ("side_left", L.LEFT_HIP, L.RIGHT_HIP),
        ("side_right", L.RIGHT_HIP, L.LEFT_HIP),
        ("three_quarter_left", L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
        ("three_quarter_right", L.RIGHT_SHOULDER, L.LEFT_SHOULDER),
    ],
)
def test_side_views_see_the_named_side_nearer(view: str, nearer: L, farther: L) -> None:
    p = BodyProportions.average_female()
    lm = make_landmarks(sp.seated_neutral(p), p, Camera.around((0.0, 0.7, 0.2), view, 2.5))
    assert lm.world[nearer, 2] < lm.world[farther, 2]
    assert lm.image[nearer, 2] < lm.image[farther, 2]


def test_side_left_camera_sits_on_the_persons_left_and_follows_yaw() -> None:
    cam = Camera.around((0.0, 1.0, 0.0), "side_left", 2.0)
    assert cam.position[0] == pytest.approx(2.0) and cam.position[2] == pytest.approx(0.0, abs=1e-12)
    turned = Camera.around((0.0, 1.0, 0.0), "front", 2.0, yaw_offset_deg=90.0)
    np.testing.assert_allclose(turned.position, cam.position, atol=1e-12)
    # a person yawed 90 degrees, filmed "front" with the yaw passed on, looks like yaw 0
    p = BodyProportions.average_male()
    pose = sp.standing(p)
    a = make_landmarks(pose, p, Camera.around((0.0, 1.0, 0.0), "front", 3.0))
    following = Camera.around((0.0, 1.0, 0.0), "front", 3.0, yaw_offset_deg=90.0)
    b = make_landmarks(pose.replace(body_yaw_deg=90.0), p, following)
    np.testing.assert_allclose(a.image, b.image, atol=1e-9)


def test_world_landmarks_keep_distances_and_pixels_match_projection() -> None:
    p = BodyProportions.short_long_trunk()
    pose = sp.downward_dog(p)
    scene = joint_positions(pose, p)
    cam = Camera.framing(scene, "three_quarter_right", height_m=0.6)
    lm = make_landmarks(pose, p, cam)
    assert isinstance(lm, Landmarks)
    d_scene = np.linalg.norm(scene[:, None] - scene[None], axis=-1)
    d_world = np.linalg.norm(lm.world[:, None] - lm.world[None], axis=-1)
    np.testing.assert_allclose(d_world, d_scene, atol=1e-12)
    assert (lm.presence > 0.9).all()  # framing keeps the whole body in the picture
    assert ((lm.image[:, :2] > 0) & (lm.image[:, :2] < 1)).all()


# --------------------------------------------------------------------------- noise / occlusion


def test_noise_has_the_requested_pixel_spread() -> None:
    p = BodyProportions.average_female()
    pose = sp.standing(p)
    cam = Camera.around((0.0, 0.9, 0.0), "front", 3.5)
    clean = make_landmarks(pose, p, cam)
    rng = np.random.default_rng(5)
    errors = np.concatenate(
        [(make_landmarks(pose, p, cam, noise_px=3.0, rng=rng).pixels - clean.pixels).ravel() for _ in range(100)]
    )
    assert errors.std() == pytest.approx(3.0, rel=0.05)
    assert abs(errors.mean()) < 0.1
    # the world noise matches: ~3 px at the hip depth in metres
    noisy = make_landmarks(pose, p, cam, noise_px=3.0, rng=rng)
    expected_m = 3.0 * 3.5 / cam.focal_px
    assert np.std(noisy.world - clean.world) == pytest.approx(expected_m, rel=0.35)


def test_noise_without_rng_is_reproducible_per_timestamp() -> None:
    p = BodyProportions.average_female()
    cam = Camera.around((0.0, 0.9, 0.0), "front", 3.0)
    a = make_landmarks(sp.standing(p), p, cam, timestamp_s=1.25, noise_px=2.0)
    b = make_landmarks(sp.standing(p), p, cam, timestamp_s=1.25, noise_px=2.0)
    c = make_landmarks(sp.standing(p), p, cam, timestamp_s=1.30, noise_px=2.0)
    np.testing.assert_array_equal(a.image, b.image)
    assert not np.allclose(a.image, c.image)


def test_occluded_and_out_of_frame_landmarks_have_low_confidence() -> None:
    p = BodyProportions.average_male()
    pose = sp.standing(p)
    occluded = (L.RIGHT_ELBOW, L.RIGHT_WRIST)
    full = make_landmarks(pose, p, Camera.around((0.0, 0.9, 0.0), "side_left", 4.0), occluded=occluded)
    assert (full.visibility[list(occluded)] <= 0.05).all()
    others = np.setdiff1d(np.arange(NUM_LANDMARKS), occluded)
    assert (full.visibility[others] > 0.9).all() and (full.presence > 0.9).all()
    # a close camera at chest height cuts off the feet
    close = make_landmarks(pose, p, Camera.around((0.0, 1.3, 0.0), "front", 1.0))
    feet = [L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    assert (close.image[feet, 1] > 1.0).all()
    assert (close.presence[feet] <= 0.05).all() and (close.confidence()[feet] <= 0.05).all()
    assert (close.presence[[L.NOSE, L.LEFT_SHOULDER]] > 0.9).all()


# --------------------------------------------------------------------------- sequences


def test_jittered_timestamps_increase_and_drop_the_requested_fraction() -> None:
    rng = np.random.default_rng(6)
    for drop in (0.0, 0.2, 0.5):
        t = jittered_timestamps(20.0, (12, 30), drop, rng)
        assert np.all(np.diff(t) > 0)
        assert t[0] == 0.0 and t[-1] <= 20.0
        gaps = np.diff(t)
        assert gaps.min() >= 1 / 30 - 1e-12
        if drop == 0.0:
            assert gaps.max() <= 1 / 12 + 1e-12
        # frames that would have existed at the mean rate (1/mean gap of 1/12..1/30 s)
        expected_frames = 20.0 / ((1 / 12 + 1 / 30) / 2)
        assert len(t) / expected_frames == pytest.approx(1 - drop, abs=0.06)


def test_jittered_timestamps_drop_exactly_the_rounded_fraction() -> None:
    full = jittered_timestamps(10.0, (15, 15.0001), 0.0, np.random.default_rng(7))
    dropped = jittered_timestamps(10.0, (15, 15.0001), 0.3, np.random.default_rng(7))
    assert len(dropped) == len(full) - round(0.3 * len(full))
    assert set(np.round(dropped, 9)) <= set(np.round(full, 9))


def test_interpolate_poses_is_linear_in_every_field() -> None:
    p = BodyProportions.average_female()
    a, b = sp.seated_neutral(p), sp.figure_four(p).replace(body_yaw_deg=40.0, pelvis_position=(1.0, 0.5, -1.0))
    assert interpolate_poses(a, b, 0.0) == a
    assert interpolate_poses(a, b, 1.0) == b
    m = interpolate_poses(a, b, 0.25)
    for f in dataclasses.fields(BodyPose):
        va, vb, vm = (np.asarray(getattr(x, f.name)) for x in (a, b, m))
        np.testing.assert_allclose(vm, 0.75 * va + 0.25 * vb, atol=1e-12)
    keyframes = [(0.0, a), (2.0, b)]
    assert pose_at(keyframes, -1.0) == a and pose_at(keyframes, 5.0) == b
    assert pose_at(keyframes, 0.5) == interpolate_poses(a, b, 0.25)


def test_render_clip_gives_one_frame_per_timestamp() -> None:
    p = BodyProportions.average_male()
    times = jittered_timestamps(2.0, rng=np.random.default_rng(8))
    cam = Camera.around((0.0, 0.7, 0.0), "three_quarter_left", 2.5)
    clip = render_clip([(0.0, sp.seated_neutral(p)), (2.0, sp.figure_four(p))], p, cam, times, noise_px=1.0)
    assert [f.timestamp_s for f in clip] == pytest.approx(list(times))
    assert all(f.image_size == (640, 480) for f in clip)
    assert not np.allclose(clip[0].world, clip[-1].world, atol=0.05)


# --------------------------------------------------------------------------- seed poses

SIDES = ("right", "left")


def lm_side(side: str, name: str) -> L:
    """Landmark of the working side (``side``) or the other side (``other_side``)."""
    other = "left" if side == "right" else "right"
    return L[name.replace("WORK", side.upper()).replace("OTHER", other.upper())]


def left_dir(side: str) -> float:
    """+1 if the working side is right (the other leg is toward +x), else -1."""
    return 1.0 if side == "right" else -1.0


def feet_flat(j: np.ndarray, *sides: str) -> bool:
    idx = [L[f"{s.upper()}_{part}"] for s in sides for part in ("HEEL", "FOOT_INDEX")]
    return bool(np.abs(j[idx, 1]).max() < 0.01)


def upright_trunk_deg(j: np.ndarray) -> float:
    spine = mid(j, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(j, L.LEFT_HIP, L.RIGHT_HIP)
    return math.degrees(math.acos(spine[1] / np.linalg.norm(spine)))


@pytest.mark.parametrize("body", PRESET_NAMES)
def test_seated_neutral(body: str) -> None:
    p = PRESETS[body]
    j = seed("seated_neutral", body)
    assert feet_flat(j, "left", "right")
    for side in ("LEFT", "RIGHT"):
        assert angle_deg(j[L[f"{side}_HIP"]], j[L[f"{side}_KNEE"]], j[L[f"{side}_ANKLE"]]) == pytest.approx(90, abs=0.5)
        assert inclination_deg(j[L[f"{side}_HIP"]], j[L[f"{side}_KNEE"]]) == pytest.approx(0, abs=0.5)
        # hand resting on top of the thigh
        hip, knee, wrist = j[L[f"{side}_HIP"]], j[L[f"{side}_KNEE"]], j[L[f"{side}_WRIST"]]
        along = np.dot(wrist - hip, knee - hip) / p.thigh_m**2
        assert 0.3 < along < 0.9
        assert 0.02 < wrist[1] - hip[1] < 0.14
    assert upright_trunk_deg(j) < 0.5
    seat = sp.chair_seat_height(p)
    assert seat / p.height_m == pytest.approx(0.26, abs=0.015)  # knee height: varies with leg length
    assert j[L.LEFT_HIP, 1] > seat


@pytest.mark.parametrize("body", PRESET_NAMES)
@pytest.mark.parametrize("side", SIDES)
def test_figure_four(body: str, side: str) -> None:
    p = PRESETS[body]
    j = seed("figure_four", body, side)
    work = lambda n: j[lm_side(side, n)]  # noqa: E731
    target = sp.figure_four_ankle_target((j * [-1, 1, 1])[SWAP_SIDES] if side == "left" else j, p)
    if side == "left":
        target = target * [-1, 1, 1]
    assert np.linalg.norm(work("WORK_ANKLE") - target) < 0.05
    assert np.linalg.norm(work("WORK_ANKLE") - work("OTHER_KNEE")) < 0.15
    assert abs(inclination_deg(work("WORK_KNEE"), work("WORK_ANKLE"))) < 15
    # crossed knee out to its own side and about hip height, not above it
    assert left_dir(side) * (work("WORK_KNEE")[0] - work("WORK_HIP")[0]) < -0.1
    assert -0.1 < work("WORK_KNEE")[1] - work("WORK_HIP")[1] <= 0.02
    # shin lies across toward the other leg, ankle above the other knee
    assert left_dir(side) * (work("WORK_ANKLE")[0] - work("WORK_KNEE")[0]) > 0.25
    assert work("WORK_ANKLE")[1] > work("OTHER_KNEE")[1] + 0.05
    assert feet_flat(j, "left" if side == "right" else "right")
    assert upright_trunk_deg(j) < 10


@pytest.mark.parametrize("body", PRESET_NAMES)
@pytest.mark.parametrize("side", SIDES)
def test_figure_four_knee_lifted(body: str, side: str) -> None:
    good = seed("figure_four", body, side)
    j = seed("figure_four_knee_lifted", body, side)
    work = lambda n: j[lm_side(side, n)]  # noqa: E731
    assert work("WORK_KNEE")[1] - work("WORK_HIP")[1] > 0.1
    assert work("WORK_KNEE")[1] > good[lm_side(side, "WORK_KNEE")][1] + 0.1
    assert np.linalg.norm(work("WORK_ANKLE") - good[lm_side(side, "WORK_ANKLE")]) < 0.04  # ankle still on the knee
    assert feet_flat(j, "left" if side == "right" else "right")


@pytest.mark.parametrize("body", PRESET_NAMES)
@pytest.mark.parametrize("side", SIDES)
def test_piriformis_twist(body: str, side: str) -> None:
    j = seed("piriformis_twist", body, side)
    work = lambda n: j[lm_side(side, n)]  # noqa: E731
    d = left_dir(side)
    # working foot on the floor, clearly beyond the other knee (on the other side)
    assert d * (work("WORK_ANKLE")[0] - work("OTHER_KNEE")[0]) >= 0.05
    assert abs(work("WORK_FOOT_INDEX")[1]) < 0.01
    assert work("WORK_HEEL")[1] < 0.12
    # working thigh crossed over: knee across the midline, above the other knee
    assert d * work("WORK_KNEE")[0] > 0.0
    assert work("WORK_KNEE")[1] > work("OTHER_KNEE")[1] + 0.04
    assert feet_flat(j, "left" if side == "right" else "right")
    # trunk upright and turned toward the working side by ~35 degrees
    assert upright_trunk_deg(j) < 1
    twist = signed_angle_about_y(j[L.LEFT_HIP] - j[L.RIGHT_HIP], j[L.LEFT_SHOULDER] - j[L.RIGHT_SHOULDER])
    assert twist == pytest.approx(-35 * d, abs=1)
    # opposite hand holds the outside of the working knee
    hand = j[lm_side(side, "OTHER_WRIST")]
    assert np.linalg.norm(hand - work("WORK_KNEE")) < 0.12
    assert d * (hand[0] - work("WORK_KNEE")[0]) < 0


@pytest.mark.parametrize("body", PRESET_NAMES)
def test_piriformis_twist_mistakes(body: str) -> None:
    good = seed("piriformis_twist", body)
    flat = seed("piriformis_twist_untwisted", body)
    slump = seed("piriformis_twist_slumped", body)
    def twist(j: np.ndarray) -> float:
        return signed_angle_about_y(j[L.LEFT_HIP] - j[L.RIGHT_HIP], j[L.LEFT_SHOULDER] - j[L.RIGHT_SHOULDER])

    assert twist(flat) == pytest.approx(0, abs=0.5)
    np.testing.assert_allclose(flat[23:], good[23:], atol=1e-12)  # same legs
    assert upright_trunk_deg(slump) == pytest.approx(35, abs=1)
    np.testing.assert_allclose(slump[23:], good[23:], atol=1e-12)


@pytest.mark.parametrize("body", PRESET_NAMES)
@pytest.mark.parametrize("side", SIDES)
def test_downward_dog(body: str, side: str) -> None:
    j = seed("downward_dog", body, side)
    hands = [L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_INDEX, L.RIGHT_INDEX, L.LEFT_PINKY, L.RIGHT_PINKY]
    toes = [L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    assert j[hands, 1] == pytest.approx(0.015, abs=0.015)
    assert j[toes, 1] == pytest.approx(0.0, abs=0.01)
    assert j[:, 1].min() > -1e-9  # nothing below the floor
    assert j[[L.LEFT_HEEL, L.RIGHT_HEEL], 1].max() < 0.08  # heels toward the floor
    assert int(np.argmax(j[:, 1])) in (L.LEFT_HIP, L.RIGHT_HIP)  # hips highest
    for s in ("LEFT", "RIGHT"):
        v = angle_deg(j[L[f"{s}_SHOULDER"]], j[L[f"{s}_HIP"]], j[L[f"{s}_ANKLE"]])
        assert 70 <= v <= 90
        assert angle_deg(j[L[f"{s}_HIP"]], j[L[f"{s}_KNEE"]], j[L[f"{s}_ANKLE"]]) >= 175
        assert 170 <= angle_deg(j[L[f"{s}_WRIST"]], j[L[f"{s}_SHOULDER"]], j[L[f"{s}_HIP"]]) <= 180
        assert angle_deg(j[L[f"{s}_SHOULDER"]], j[L[f"{s}_ELBOW"]], j[L[f"{s}_WRIST"]]) >= 179
    hand_gap = abs(j[L.LEFT_WRIST, 0] - j[L.RIGHT_WRIST, 0])
    shoulder_gap = abs(j[L.LEFT_SHOULDER, 0] - j[L.RIGHT_SHOULDER, 0])
    assert shoulder_gap <= hand_gap <= shoulder_gap + 0.12


@pytest.mark.parametrize("body", PRESET_NAMES)
def test_downward_dog_knees_bent(body: str) -> None:
    good = seed("downward_dog", body)
    j = seed("downward_dog_knees_bent", body)
    hands = [L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_INDEX, L.RIGHT_INDEX]
    assert j[hands, 1] == pytest.approx(0.015, abs=0.015)
    assert j[[L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX], 1] == pytest.approx(0.0, abs=0.01)
    assert j[L.LEFT_HIP, 1] < good[L.LEFT_HIP, 1] - 0.02
    assert angle_deg(j[L.LEFT_HIP], j[L.LEFT_KNEE], j[L.LEFT_ANKLE]) == pytest.approx(135, abs=0.5)
    assert int(np.argmax(j[:, 1])) in (L.LEFT_HIP, L.RIGHT_HIP)


@pytest.mark.parametrize("body", PRESET_NAMES)
def test_tabletop(body: str) -> None:
    p = PRESETS[body]
    j = seed("tabletop", body)
    hands = [L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_INDEX, L.RIGHT_INDEX]
    assert j[hands, 1] == pytest.approx(0.015, abs=0.015)
    assert j[[L.LEFT_KNEE, L.RIGHT_KNEE], 1] == pytest.approx(sp.KNEELING_KNEE_HEIGHT * p.height_m, abs=1e-6)
    assert j[:, 1].min() > -1e-9
    for s in ("LEFT", "RIGHT"):
        assert inclination_deg(j[L[f"{s}_KNEE"]], j[L[f"{s}_HIP"]]) == pytest.approx(90, abs=0.5)  # thigh vertical
        assert inclination_deg(j[L[f"{s}_WRIST"]], j[L[f"{s}_SHOULDER"]]) == pytest.approx(90, abs=0.5)  # arm vertical
        assert abs(j[L[f"{s}_FOOT_INDEX"], 1]) < 0.02
    back = inclination_deg(mid(j, L.LEFT_HIP, L.RIGHT_HIP), mid(j, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
    assert 0 <= back < 16  # roughly level; shoulders a little higher (arms longer than thighs)


def test_left_side_seed_poses_are_mirrors() -> None:
    for name in sp.SEED_POSES:
        right = seed(name, "average_male")
        left = seed(name, "average_male", "left")
        np.testing.assert_allclose(left, (right * [-1, 1, 1])[SWAP_SIDES], atol=1e-12, err_msg=name)


def test_grounded_puts_the_lowest_landmark_on_the_floor() -> None:
    p = BodyProportions.average_female()
    pose = BodyPose(pelvis_position=(0.2, 3.0, -1.0), left_knee_flexion_deg=40)
    j = joint_positions(grounded(pose, p), p)
    assert j[:, 1].min() == pytest.approx(0.0, abs=1e-12)
    j2 = joint_positions(grounded(pose, p, contacts=[L.LEFT_KNEE], floor_y=0.1), p)
    assert j2[L.LEFT_KNEE, 1] == pytest.approx(0.1, abs=1e-12)
