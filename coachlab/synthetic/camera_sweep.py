"""Measurements over bodies, sides and the cameras people actually use (issue 13).

Why it exists: the checks' limits were fitted on a few cameras (lens 0.9 m high,
one distance, square to the person). People put the laptop on a table, a shelf
or the floor, 2-3.5 m away and not quite square. This sweeps a pose (exact
landmarks from :mod:`coachlab.synthetic.body`) over every preset body, both sides,
lens height 0.5-1.3 m, distance 2-3.5 m and yaw ±15° off the advised view, and
splits the result by body into a calibration part (limits are chosen there) and
a test part (reported, never tuned on).

``hip_tilt_deg`` reproduces what MediaPipe does to the hip landmarks under
crossed legs (the crossed side's hip drawn up, the hip line tilted in the
picture): the two hip landmarks are turned about their midpoint in the picture.
A measure that leaks the foot's height into a sideways offset shows it there.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from coach.landmarks import Landmarks
from coach.landmarks import PoseLandmark as L
from coach.measurements import BodyContext, MeasurementSpec, measure
from coachlab.synthetic.body import BodyPose, BodyProportions, Camera, joint_positions, make_landmarks
from coachlab.synthetic.variants import mirror_view

#: Bodies limits are chosen on, and bodies results are reported on.
CALIBRATION_BODIES = ("average_female", "tall_long_legged")
TEST_BODIES = ("average_male", "short_long_trunk")
CAMERA_HEIGHTS_M = (0.5, 0.7, 0.9, 1.1, 1.3)
DISTANCES_M = (2.0, 2.75, 3.5)
YAWS_DEG = (-15.0, 0.0, 15.0)


@dataclass(frozen=True)
class Shot:
    """One still of the sweep: who, which side, where the camera is."""

    body: str
    side: str
    height_m: float
    distance_m: float
    yaw_deg: float
    hip_tilt_deg: float = 0.0

    @property
    def part(self) -> str:
        return "calibration" if self.body in CALIBRATION_BODIES else "test"


def shots(sides: Sequence[str] = ("right", "left"), hip_tilts: Sequence[float] = (0.0,),
          heights: Sequence[float] = CAMERA_HEIGHTS_M, distances: Sequence[float] = DISTANCES_M,
          yaws: Sequence[float] = YAWS_DEG) -> Iterator[Shot]:
    for body in CALIBRATION_BODIES + TEST_BODIES:
        for side in sides:
            for h in heights:
                for d in distances:
                    for y in yaws:
                        for t in hip_tilts:
                            yield Shot(body, side, h, d, y, t)


def tilt_hips(lm: Landmarks, deg: float) -> Landmarks:
    """The hip landmarks turned ``deg`` about their midpoint in the picture (image space only)."""
    if deg == 0.0:
        return lm
    image = lm.image.copy()
    w, h = lm.image_size
    px = image[[L.LEFT_HIP, L.RIGHT_HIP], :2] * (w, h)
    mid = px.mean(axis=0)
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    turned = (px - mid) @ np.array([[c, s], [-s, c]]) + mid
    image[[L.LEFT_HIP, L.RIGHT_HIP], :2] = turned / (w, h)
    return dataclasses.replace(lm, image=image)


def landmarks_at(pose: BodyPose, body: BodyProportions, view: str, shot: Shot) -> Landmarks:
    """Exact landmarks of a RIGHT-side pose (mirrored for the left side) for one shot."""
    if shot.side == "left":
        pose, view = pose.mirrored(), mirror_view(view)
    pts = joint_positions(pose, body)
    centre = (np.nanmin(pts, axis=0) + np.nanmax(pts, axis=0)) / 2
    camera = Camera.around(centre, view, shot.distance_m, shot.height_m, shot.yaw_deg)
    return tilt_hips(make_landmarks(pose, body, camera), shot.hip_tilt_deg)


def values(build: Callable[[BodyProportions], BodyPose], spec: MeasurementSpec, view: str,
           shot_list: Sequence[Shot]) -> list[tuple[Shot, float]]:
    """The measurement on every shot (working side = the shot's side)."""
    bodies = BodyProportions.presets()
    poses: dict[str, BodyPose] = {}  # built once a body: sampling a pose is the slow part
    out = []
    for shot in shot_list:
        body = bodies[shot.body]
        if shot.body not in poses:
            poses[shot.body] = build(body)
        lm = landmarks_at(poses[shot.body], body, view, shot)
        near = "left" if view == "side_left" else "right" if view == "side_right" else "left"
        if shot.side == "left":
            near = {"left": "right", "right": "left"}[near] if view.startswith("side") else near
        out.append((shot, measure(spec, lm, BodyContext(working_side=shot.side, near_side=near))))
    return out


def summary(rows: Sequence[tuple[Shot, float]], part: str | None = None) -> str:
    v = np.array([x for s, x in rows if part is None or s.part == part])
    if not len(v):
        return "n=0"
    return f"n={len(v):4d} min {v.min():+.3f} p5 {np.percentile(v, 5):+.3f} median {np.median(v):+.3f} p95 {np.percentile(v, 95):+.3f} max {v.max():+.3f}"


def rate(rows: Sequence[tuple[Shot, float]], lo: float | None, hi: float | None, part: str | None = None) -> str:
    """How many of the shots lie inside [lo, hi] (the check passes, no hysteresis)."""
    v = np.array([x for s, x in rows if part is None or s.part == part])
    ok = np.ones(len(v), bool)
    if lo is not None:
        ok &= v >= lo
    if hi is not None:
        ok &= v <= hi
    return f"{int(ok.sum())}/{len(v)}"
