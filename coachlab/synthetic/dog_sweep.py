"""Downward dog: what a side view shows of a rounded back and bent elbows (issue 13).

Independent renders accepted a rounded back (34-42° of spine flexion, hip angle
still 80-86°) 8 of 8 times and bent elbows (about 118°) 5 of 8 times. The
synthetic trunk is one rigid segment, so a rounded spine is drawn through its two
ends: for a spine bent evenly by ``f`` degrees the chord from hip to shoulders
keeps its place and the spine's top end turns ``f / 2`` towards the belly; the
arms (shoulder flexion) and the head (neck flexion) hang from that end and turn
with it. Bent elbows are drawn in the arm's own plane (seen from the side) or
turned out of it by rotating the forearm about the upper arm (elbows flaring
sideways, which a side view sees end-on). Poses are solved so hands and feet stay
on the floor (:func:`coachlab.synthetic.seed_poses._down_dog`).
Run ``python -m coachlab.synthetic.dog_sweep``.
"""

from __future__ import annotations

import math

import numpy as np

from coach.landmarks import Landmarks
from coach.landmarks import PoseLandmark as L
from coach.measurements import BodyContext, MeasurementSpec, measure
from coachlab.synthetic import camera_sweep as cs
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyPose, BodyProportions, Camera, joint_positions, make_landmarks, project

SPECS = {
    "arms_straight (image)": MeasurementSpec("angle", ("near_shoulder", "near_elbow", "near_wrist")),
    "elbow angle, 3D": MeasurementSpec("angle", ("near_shoulder", "near_elbow", "near_wrist"), "world"),
    "arms_in_line (wrist-shoulder-hip)": MeasurementSpec("angle", ("near_wrist", "near_shoulder", "near_hip")),
    "ear-shoulder-hip": MeasurementSpec("angle", ("near_ear", "near_shoulder", "near_hip")),
    "hip angle (shoulder-hip-knee)": MeasurementSpec("angle", ("near_shoulder", "near_hip", "near_knee")),
    "arm reach (wrist to shoulder / torso)": MeasurementSpec("distance", ("near_wrist", "near_shoulder"), "image",
                                                             "any", "torso"),
}

_FOREARM = {"left": (L.LEFT_WRIST, L.LEFT_PINKY, L.LEFT_INDEX, L.LEFT_THUMB),
            "right": (L.RIGHT_WRIST, L.RIGHT_PINKY, L.RIGHT_INDEX, L.RIGHT_THUMB)}


def rounded(p: BodyProportions, spine_flexion_deg: float, hip_flexion: float = 100.0,
            head_drop_deg: float = 0.0) -> BodyPose:
    """Downward dog with the spine rounded by ``spine_flexion_deg`` (top end turned half of it)."""
    g = spine_flexion_deg / 2
    pose = sp._down_dog(p, hip_flexion=hip_flexion, knee_flexion=0.0, dorsiflexion=25.0, shoulder_flexion=180.0 - g)
    return pose.replace(neck_flexion_deg=-10.0 + g + head_drop_deg)


def elbows(p: BodyProportions, elbow_flexion: float) -> BodyPose:
    """Downward dog with both elbows bent ``elbow_flexion`` (in the arm's plane)."""
    return sp._down_dog(p, hip_flexion=100.0, knee_flexion=0.0, dorsiflexion=25.0, elbow_flexion=elbow_flexion)


def flared(scene: np.ndarray, degrees: float) -> np.ndarray:
    """Scene points with each forearm and hand turned ``degrees`` about its upper arm
    (the elbow bends out to the side instead of in the arm's plane)."""
    out = scene.copy()
    for side, (elbow, shoulder) in {"left": (L.LEFT_ELBOW, L.LEFT_SHOULDER),
                                    "right": (L.RIGHT_ELBOW, L.RIGHT_SHOULDER)}.items():
        axis = scene[elbow] - scene[shoulder]
        axis /= np.linalg.norm(axis)
        s = 1.0 if side == "left" else -1.0
        a = math.radians(s * degrees)
        k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
        rot = np.eye(3) + math.sin(a) * k + (1 - math.cos(a)) * k @ k
        idx = list(_FOREARM[side])
        out[idx] = (scene[idx] - scene[elbow]) @ rot.T + scene[elbow]
    return out


def landmarks_of(scene: np.ndarray, camera: Camera) -> Landmarks:
    """Exact landmarks of given scene points (as :func:`make_landmarks`, without noise)."""
    mid_hip = (scene[L.LEFT_HIP] + scene[L.RIGHT_HIP]) / 2
    image, in_frame = project(scene, camera, depth_origin=mid_hip)
    world = (scene - mid_hip) @ camera.rotation().T
    return Landmarks(image, world, np.where(in_frame, 0.99, 0.05), np.where(in_frame, 0.99, 0.05), 0.0,
                     camera.image_size)


def value(pose: BodyPose, body: BodyProportions, shot: cs.Shot, spec: MeasurementSpec, flare: float = 0.0) -> float:
    """One measurement of a pose from the side (the near side is the one facing the camera)."""
    view = "side_left" if shot.side == "left" else "side_right"
    scene = flared(joint_positions(pose, body), flare)
    centre = (np.nanmin(scene, axis=0) + np.nanmax(scene, axis=0)) / 2
    camera = Camera.around(centre, view, shot.distance_m, shot.height_m, shot.yaw_deg)
    return measure(spec, landmarks_of(scene, camera), BodyContext(near_side=shot.side))


def groups() -> list[tuple[str, list]]:
    correct = [(lambda b, h=h, k=k: sp._down_dog(b, hip_flexion=h, knee_flexion=k, dorsiflexion=25.0), 0.0)
               for h in (80.0, 100.0, 120.0) for k in (0.0, 20.0)]
    return [
        ("correct: hips 60-100°, knees 160-180°", correct),
        ("mistake: back rounded 34-42°", [(lambda b, f=f: rounded(b, f), 0.0) for f in (34.0, 38.0, 42.0)]),
        ("mistake: back rounded 34-42°, head dropped 15°",
         [(lambda b, f=f: rounded(b, f, head_drop_deg=15.0), 0.0) for f in (34.0, 42.0)]),
        ("mistake: elbows ~118° in the arm's plane", [(lambda b: elbows(b, 62.0), 0.0)]),
        ("mistake: elbows ~118° flared 45° out", [(lambda b: elbows(b, 62.0), 45.0)]),
        ("mistake: elbows ~118° flared 90° out", [(lambda b: elbows(b, 62.0), 90.0)]),
    ]


def main() -> None:  # pragma: no cover - prints the table
    shots = list(cs.shots(heights=(0.3, 0.5, 0.9, 1.3)))
    bodies = BodyProportions.presets()
    poses = {(name, i, b): build(body) for name, builders in groups() for i, (build, _) in enumerate(builders)
             for b, body in bodies.items()}
    for label, spec in SPECS.items():
        print(f"== {label}")
        for name, builders in groups():
            rows = [(s, value(poses[name, i, s.body], bodies[s.body], s, spec, flare))
                    for i, (_, flare) in enumerate(builders) for s in shots]
            for part in ("calibration", "test"):
                print(f"  {name[:48]:48s} {part[:4]} {cs.summary(rows, part)}")


if __name__ == "__main__":  # pragma: no cover
    main()
