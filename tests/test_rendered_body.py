"""The rendered body's posing math (numpy only, no Blender).

The MakeHuman mesh is posed with the synthetic body's vocabulary; the synthetic
skeleton, run with proportions measured on the mesh, is the source of truth (see
`coachlab.rendered.rig`). These tests pin that the mesh really follows it: bone
lengths, requested joint angles (measured on the skinned vertices themselves),
left/right mirror symmetry, MakeHuman's own joint markers, the camera handed to
Blender, contacts with the floor, and the clip scripts' intended verdicts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from coach.landmarks import PoseLandmark as L
from coachlab.rendered.assets import load_assets
from coachlab.rendered.clips import FPS, ClipSpec, clip_specs, plan_clip, seat_height
from coachlab.rendered.rig import SEGMENTS, load_body
from coachlab.rendered.scene import blender_camera, blender_project, to_blender
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import SWAP_SIDES, BodyPose, Camera, joint_positions, project, rot_x, rot_y, rot_z

SHAPES = ("female", "male")
SEED_POSES = (sp.standing, sp.seated_neutral, sp.figure_four, sp.figure_four_knee_lifted, sp.piriformis_twist,
              sp.piriformis_twist_untwisted, sp.piriformis_twist_slumped, sp.downward_dog, sp.downward_dog_knees_bent,
              sp.tabletop)


def random_pose(rng: np.random.Generator) -> BodyPose:
    """A pose with every angle drawn from a generous range (not all anatomically possible)."""
    sided = {
        "hip_flexion_deg": (-20, 130), "hip_abduction_deg": (-30, 45), "hip_external_rotation_deg": (-40, 100),
        "knee_flexion_deg": (0, 140), "ankle_dorsiflexion_deg": (-40, 30), "shoulder_flexion_deg": (-40, 180),
        "shoulder_abduction_deg": (-20, 90), "elbow_flexion_deg": (0, 140), "forearm_pronation_deg": (-30, 120),
        "wrist_extension_deg": (-40, 70),
    }
    values = {f"{side}_{k}": rng.uniform(*r) for side in ("left", "right") for k, r in sided.items()}
    return BodyPose(
        pelvis_position=tuple(rng.uniform(-0.5, 0.5, 3) + [0, 1, 0]),
        body_yaw_deg=rng.uniform(-180, 180), pelvis_pitch_deg=rng.uniform(-30, 130),
        pelvis_roll_deg=rng.uniform(-20, 20), trunk_flexion_deg=rng.uniform(-20, 60),
        trunk_side_bend_deg=rng.uniform(-20, 20), trunk_twist_deg=rng.uniform(-45, 45),
        neck_flexion_deg=rng.uniform(-30, 40), neck_rotation_deg=rng.uniform(-60, 60), **values,
    )


def poses_for(body) -> list[BodyPose]:
    p = body.proportions
    rng = np.random.default_rng(7)
    out = [fn(p) for fn in SEED_POSES]
    out += [pose.mirrored() for pose in out[:5]]
    out += [random_pose(rng) for _ in range(6)]
    return out


@pytest.fixture(scope="module", params=SHAPES)
def body(request):
    return load_body(request.param)


# --------------------------------------------------------------------------- assets and shapes


def test_assets_load_with_the_expected_counts() -> None:
    assets = load_assets()
    assert assets.mesh.vertices.shape == (19158, 3)
    assert len(assets.skeleton.bones) == 163
    assert {"caucasian-female-young", "caucasian-male-young"} <= set(assets.targets)
    # every joint of the skeleton refers to existing vertices
    assert max(int(v.max()) for v in assets.skeleton.joints.values()) < 19158


def test_two_body_shapes_with_plausible_proportions() -> None:
    female, male = load_body("female").proportions, load_body("male").proportions
    assert 1.55 < female.height_m < 1.68 and 1.70 < male.height_m < 1.82
    assert male.shoulder_width_m > female.shoulder_width_m
    for p in (female, male):
        h = p.height_m
        assert 0.21 < p.thigh_m / h < 0.28 and 0.21 < p.shank_m / h < 0.28
        assert 0.25 < p.torso_m / h < 0.31 and 0.10 < p.hip_width_m / h < 0.16
        assert 0.03 < p.ankle_height_m / h < 0.06
        # the standing body is as tall as the mesh (legs + torso + neck + the head above the ears)
        standing = joint_positions(sp.standing(p), p)
        assert standing[L.NOSE, 1] < h and standing[L.LEFT_EAR, 1] > 0.85 * h


def test_skin_weights_are_normalised(body) -> None:
    assert body.weights.shape == (19158, len(SEGMENTS))
    np.testing.assert_allclose(body.weights.sum(axis=1), 1.0, atol=1e-9)
    assert (body.weights >= 0).all()


# --------------------------------------------------------------------------- the skeleton is the truth


def test_posed_mesh_skeleton_is_the_synthetic_skeleton(body) -> None:
    """Every mesh joint, moved with its segment, lands on `joint_positions` of the same pose."""
    names = {name.split("@")[0] for name in body.bone_joints}
    landmark_names = sorted(n for n in names if n.upper() in L.__members__)
    assert len(landmark_names) >= 19
    for pose in poses_for(body):
        truth = joint_positions(pose, body.proportions)
        joints = body.posed_joints(pose)
        for name, point in joints.items():
            base = name.split("@")[0]
            if base.upper() in L.__members__:
                np.testing.assert_allclose(point, truth[L[base.upper()]], atol=1e-9, err_msg=name)


def test_bone_lengths_are_kept(body) -> None:
    pairs = [("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("right_hip", "right_knee"),
             ("right_knee", "right_ankle"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
             ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"), ("left_hip", "right_hip"),
             ("left_shoulder", "right_shoulder"), ("left_wrist", "left_index"), ("right_wrist", "right_pinky")]
    rest = body.joints
    for pose in poses_for(body):
        posed = body.posed_joints(pose)
        for a, b in pairs:
            before = np.linalg.norm(rest[a] - rest[b])
            after = np.linalg.norm(posed[a] - posed[b])
            assert after == pytest.approx(before, abs=2e-4), (a, b)


def _kabsch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation that best maps point cloud a onto b (both centred inside)."""
    a0, b0 = a - a.mean(axis=0), b - b.mean(axis=0)
    u, _, vt = np.linalg.svd(a0.T @ b0)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    return vt.T @ np.diag([1, 1, d]) @ u.T


def _rigid_vertices(body, segment: str) -> np.ndarray:
    return np.flatnonzero(body.weights[:, SEGMENTS.index(segment)] > 0.999)


def _segment_rotation(body, pose: BodyPose, segment: str) -> np.ndarray:
    """How the skinned vertices of one segment turned from the synthetic rest pose."""
    ids = _rigid_vertices(body, segment)
    rest = body.posed_vertices(BodyPose(), ids)
    return _kabsch(rest, body.posed_vertices(pose, ids))


def _angle_between(r1: np.ndarray, r2: np.ndarray) -> float:
    rel = r1.T @ r2
    return math.degrees(math.acos(max(-1.0, min(1.0, (np.trace(rel) - 1) / 2))))


@pytest.mark.parametrize("angle", [0.0, 35.0, 90.0, 120.0])
def test_requested_joint_angles_are_reproduced_on_the_skin(body, angle: float) -> None:
    """Rotations of the skinned vertex clouds (not the skeleton) match the requested angles within 0.5°."""
    pose = BodyPose(
        pelvis_position=(0.0, 1.0, 0.0), body_yaw_deg=20.0, pelvis_pitch_deg=10.0,
        trunk_flexion_deg=angle / 3, trunk_twist_deg=angle / 4, neck_flexion_deg=angle / 6,
        left_hip_flexion_deg=angle, left_knee_flexion_deg=angle, right_hip_abduction_deg=angle / 3,
        right_hip_external_rotation_deg=angle / 2, right_knee_flexion_deg=angle / 2,
        left_shoulder_flexion_deg=angle, left_elbow_flexion_deg=angle, right_shoulder_abduction_deg=angle / 2,
        right_elbow_flexion_deg=angle / 2, right_forearm_pronation_deg=angle / 2, left_ankle_dorsiflexion_deg=angle / 6,
    )
    r = {seg: _segment_rotation(body, pose, seg) for seg in
         ("pelvis", "trunk", "head", "left_thigh", "left_shank", "left_foot", "right_thigh", "right_shank",
          "left_upper_arm", "left_forearm", "right_upper_arm", "right_forearm")}
    tol = 0.5
    # single-axis joints: the relative rotation is exactly the requested angle
    assert _angle_between(r["left_thigh"], r["left_shank"]) == pytest.approx(angle, abs=tol)
    assert _angle_between(r["right_thigh"], r["right_shank"]) == pytest.approx(angle / 2, abs=tol)
    assert _angle_between(r["left_upper_arm"], r["left_forearm"]) == pytest.approx(angle, abs=tol)
    assert _angle_between(r["left_shank"], r["left_foot"]) == pytest.approx(angle / 6, abs=tol)
    assert _angle_between(r["trunk"], r["head"]) == pytest.approx(angle / 6, abs=tol)
    # composed joints: the full relative rotation equals the documented rotation order
    expect_trunk = rot_x(angle / 3) @ rot_y(angle / 4)
    np.testing.assert_allclose(r["pelvis"].T @ r["trunk"], expect_trunk, atol=math.radians(tol))
    expect_right_hip = rot_x(0.0) @ rot_z(-(angle / 3)) @ rot_y(-(angle / 2))
    np.testing.assert_allclose(r["pelvis"].T @ r["right_thigh"], expect_right_hip, atol=math.radians(tol))
    expect_forearm = rot_x(-angle / 2) @ rot_y(angle / 2)
    np.testing.assert_allclose(r["right_upper_arm"].T @ r["right_forearm"], expect_forearm, atol=math.radians(tol))
    # the root: yaw then pitch
    np.testing.assert_allclose(r["pelvis"], rot_y(20.0) @ rot_x(10.0), atol=math.radians(tol))


def test_skinned_joint_markers_follow_the_skeleton(body) -> None:
    """MakeHuman's own joint markers (small cubes in the mesh), skinned, stay on the truth's joints."""
    skel = load_assets().skeleton
    markers = {"left_knee": "lowerleg01.L", "right_knee": "lowerleg01.R", "left_elbow": "lowerarm01.L",
               "right_elbow": "lowerarm01.R", "left_ankle": "foot.L", "right_wrist": "wrist.R",
               "left_shoulder": "upperarm01.L", "right_hip": "upperleg01.R"}
    for pose in poses_for(body)[:10]:
        truth = joint_positions(pose, body.proportions)
        for name, bone in markers.items():
            ids = skel.joints[skel.bones[bone].head]
            centre = body.posed_vertices(pose, ids).mean(axis=0)
            assert np.linalg.norm(centre - truth[L[name.upper()]]) < 0.02, (name, pose)


# --------------------------------------------------------------------------- mirror


@pytest.fixture(scope="module")
def mirror_map():
    """Each rendered vertex and its left/right twin (the rest mesh mirrored through x = 0)."""
    body = load_body("female")
    ids, _, _ = body.render_mesh()
    rest = body.vertices[ids]
    grid = 2e-4  # metres
    index = {tuple(k): i for i, k in enumerate(np.round(rest / grid).astype(np.int64))}
    keys = np.round(rest * np.array([-1.0, 1.0, 1.0]) / grid).astype(np.int64)
    match = np.array([index.get(tuple(k), -1) for k in keys])
    return ids, match


def test_left_right_mirror(mirror_map) -> None:
    """Posing the mirror-image pose gives the mirror-image body (the mesh is symmetric)."""
    ids, match = mirror_map
    body = load_body("female")
    sym = match >= 0
    assert sym.mean() > 0.95  # the rest mesh itself is symmetric (to the 0.2 mm grid)
    match = np.where(sym, match, 0)
    for fn in (sp.figure_four, sp.piriformis_twist, sp.downward_dog):
        pose = fn(body.proportions)
        right = body.posed_vertices(pose, ids)
        left = body.posed_vertices(pose.mirrored(), ids)
        err = np.linalg.norm(left[match] * np.array([-1.0, 1.0, 1.0]) - right, axis=1)[sym]
        assert np.median(err) < 1e-3 and np.percentile(err, 99) < 4e-3, fn.__name__
        # and the landmarks swap sides
        a = joint_positions(pose, body.proportions) * np.array([-1.0, 1.0, 1.0])
        b = joint_positions(pose.mirrored(), body.proportions)[SWAP_SIDES]
        np.testing.assert_allclose(a, b, atol=1e-9)


# --------------------------------------------------------------------------- camera


@pytest.mark.parametrize(("view", "height", "size", "fov", "yaw"), [
    ("front", 0.9, (480, 360), 60.0, 0.0), ("side_left", 0.5, (640, 480), 55.0, 3.0),
    ("three_quarter_right", 1.4, (320, 480), 70.0, -10.0), ("back", 0.2, (640, 360), 45.0, 0.0),
])
def test_blender_camera_projects_like_the_synthetic_camera(view, height, size, fov, yaw) -> None:
    body = load_body("male")
    pts = joint_positions(sp.figure_four(body.proportions), body.proportions)
    camera = Camera.framing(pts, view, height_m=height, image_size=size, vertical_fov_deg=fov, yaw_offset_deg=yaw)
    image, _ = project(pts, camera)
    expected = image[:, :2] * np.asarray(size)
    got = blender_project(to_blender(pts), blender_camera(camera))
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_scene_conversion_keeps_left_on_the_left() -> None:
    """Blender is z-up; the conversion is a rotation (no mirror) and the person faces Blender's -y."""
    from coachlab.rendered.scene import SYN_TO_BLENDER

    assert np.linalg.det(SYN_TO_BLENDER) == pytest.approx(1.0)
    np.testing.assert_allclose(to_blender(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])), [[0, 0, 1], [0, -1, 0]])
    # from the front, the person's left is on the right half of the picture
    body = load_body("female")
    pose = sp.standing(body.proportions)
    pts = joint_positions(pose, body.proportions)
    camera = Camera.framing(pts, "front")
    px = blender_project(to_blender(pts), blender_camera(camera))
    assert px[L.LEFT_SHOULDER, 0] > px[L.RIGHT_SHOULDER, 0]


# --------------------------------------------------------------------------- contacts and clips


def test_nothing_sinks_into_the_floor() -> None:
    for clip_id, spec in clip_specs().items():
        body = load_body(spec.shape)
        ids, _, _ = body.render_mesh()
        for t in np.linspace(0, spec.duration_s, 9):
            low = body.posed_vertices(spec.shown_pose(float(t)), ids)[:, 1].min()
            assert low > -0.012, (clip_id, t, low)
    # the downward dog stands on hands and feet: the mesh touches the floor exactly
    dog = clip_specs()["downward_dog"]
    body = load_body(dog.shape)
    ids, _, _ = body.render_mesh()
    assert body.posed_vertices(dog.shown_pose(8.0), ids)[:, 1].min() == pytest.approx(0.0, abs=1e-6)


def test_seat_is_under_the_sitting_body() -> None:
    for shape in SHAPES:
        body = load_body(shape)
        p = body.proportions
        assert 0.03 < sp.seated_hip_height(p) - seat_height(body) < 0.10


def _by_phase(truth: dict) -> dict[str, list[dict]]:
    by_phase: dict[str, list[dict]] = {}
    for f in truth["frames"]:
        by_phase.setdefault(f["phase"], []).append(f)
    return by_phase


def _mistake_is_depth(spec: ClipSpec) -> bool:
    from coach.stretches import load_library

    checks = load_library().stretches[spec.stretch_id].checks
    return next(c for c in checks if c.id == spec.mistake_check).role == "depth"


def _assert_mistake_judged(clip_id: str, spec: ClipSpec, truth: dict, mistake: list[dict]) -> None:
    """A gate mistake stops the hold; a depth one (how far) keeps it counting, with its cue."""
    depth = _mistake_is_depth(spec)
    assert all(f["correct"] is depth and not f["depth_met"] if depth else not f["correct"] for f in mistake), clip_id
    assert all(f["checks"][spec.mistake_check]["status"] != "ok" for f in mistake), clip_id
    stretch_cue = truth["mistake"]["cue"]
    assert stretch_cue and all(f["cue"] == stretch_cue for f in mistake), clip_id


def test_clip_scripts_have_the_intended_verdicts() -> None:
    """Exact landmarks: correct throughout the holds, the intended mistake (and its cue) in the mistake."""
    from coachlab.rendered.truth import clip_truth

    for clip_id, spec in clip_specs().items():
        if clip_id.startswith("varied_"):
            continue  # their own test, below
        truth = clip_truth(clip_id)
        by_phase = _by_phase(truth)
        assert all(f["correct"] for f in by_phase["correct"] + by_phase["corrected"]), clip_id
        assert not any(f["correct"] for f in by_phase["neutral"]), clip_id
        _assert_mistake_judged(clip_id, spec, truth, by_phase["mistake"])
        depth = _mistake_is_depth(spec)
        assert 15.0 <= truth["frame_count"] / FPS <= 25.0
        # Getting into the stretch is never counted (the mistake is when it is a gate).
        assert 9.0 < truth["summary"]["held_s"] < truth["frame_count"] / FPS - (2.0 if depth else 5.0)
        jobs, frames = plan_clip(clip_id)
        # a held pose is a few renders, cross-faded; moves are rendered frame by frame
        assert len(jobs) < 0.45 * len(frames)


def test_varied_clip_scripts_are_judged_as_intended_on_exact_joints() -> None:
    """The varied clips (other bodies, from the start position): on the exact joints the
    start position never counts, every held correct pose counts, and the mistake is judged
    as intended (a gate stops the hold with its cue, a depth target keeps it with its cue),
    so a clip's hold truth is the checks' verdict, not only the script's intent."""
    from coachlab.rendered.truth import clip_truth

    varied = {clip_id: spec for clip_id, spec in clip_specs().items() if clip_id.startswith("varied_")}
    assert len(varied) == 9
    for clip_id, spec in varied.items():
        truth = clip_truth(clip_id)
        by_phase = _by_phase(truth)
        assert truth["phases"][0]["name"] == "start" and not any(f["correct"] for f in by_phase["start"]), clip_id
        assert all(f["correct"] and f["intended"] for f in by_phase["correct"] + by_phase["corrected"]), clip_id
        _assert_mistake_judged(clip_id, spec, truth, by_phase["mistake"])
        assert abs(truth["summary"]["held_s"] - truth["summary"]["intended_s"]) <= 0.5, clip_id
