"""Body measurements: small pure functions from `Landmarks` to one number.

A stretch file names its measurements in terms of the working side
("working_knee", "other_ankle") so one definition serves both sides. This module
resolves those names for a given side and computes the geometry:

* ``angle``        joint angle at the middle of three points, degrees (0-180);
* ``inclination``  direction of a segment from the upward vertical, degrees
                   (0 = second point straight above the first, 90 = level,
                   180 = straight below);
* ``offset``       how far one point lies from another along a body axis,
                   divided by a body scale (so it does not depend on distance
                   to the camera or body size);
* ``distance``     distance between two points (optionally only its horizontal
                   or vertical part), divided by a body scale;
* ``twist``        rotation of the shoulder line against the hip line about
                   the vertical, degrees, positive towards the working side
                   (from world landmarks: a single camera sees rotation badly
                   in the picture, but MediaPipe's 3D estimate tracks it);
* ``turn``         rotation of the shoulder line about the vertical against the
                   picture plane (0 = shoulders square to the camera), degrees,
                   positive towards the working side (world landmarks; for a
                   body whose hips are kept square to the camera).

Any missing or NaN input gives NaN, never an exception: the verdict stage turns
that into "not visible".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from coach.landmarks import SIDED_PARTS, Landmarks, PoseLandmark

Side = Literal["left", "right"]
Space = Literal["image", "world"]

SIDES: tuple[Side, Side] = ("left", "right")
KINDS = ("angle", "inclination", "offset", "distance", "twist", "turn")
#: Kinds that need MediaPipe's 3D estimate (``space = "world"``).
WORLD_ONLY_KINDS = ("twist", "turn")
#: How many points each kind takes.
POINT_COUNTS = {"angle": 3, "inclination": 2, "offset": 2, "distance": 2, "twist": 0, "turn": 0}
OFFSET_AXES = ("up", "toward_other_side", "toward_working_side", "person_left", "person_right")
DISTANCE_AXES = ("any", "horizontal", "vertical")
SCALES = ("torso", "hip_width", "shoulder_width", "working_thigh", "other_thigh", "none")
QUALIFIERS = ("working", "other", "left", "right", "mid", "near", "far")
UNSIDED_PARTS = ("nose", "mouth_left", "mouth_right")


def opposite(side: Side) -> Side:
    return "right" if side == "left" else "left"


@dataclass(frozen=True)
class BodyContext:
    """What the side-relative names mean for this frame.

    working_side: the leg/arm being stretched (None for one-sided stretches).
    near_side: the side facing the camera (for side-view stretches).
    """

    working_side: Side | None = None
    near_side: Side = "left"


@lru_cache(maxsize=1024)
def parse_point(name: str) -> tuple[str, str]:
    """Split "working_knee" into ("working", "knee"); validate both halves.

    Raises ValueError with a message meant for a stretch-file author.
    """
    if name in UNSIDED_PARTS:
        return ("", name)
    qualifier, _, part = name.partition("_")
    if qualifier not in QUALIFIERS or part not in SIDED_PARTS:
        raise ValueError(
            f"unknown point {name!r}: use <qualifier>_<part> with qualifier one of "
            f"{', '.join(QUALIFIERS)} and part one of {', '.join(SIDED_PARTS)} "
            f"(or {', '.join(UNSIDED_PARTS)})"
        )
    return (qualifier, part)


@lru_cache(maxsize=4096)
def resolve_point(name: str, context: BodyContext) -> tuple[PoseLandmark, ...]:
    """The landmark(s) a point name stands for; "mid_" names give two (averaged)."""
    qualifier, part = parse_point(name)
    if not qualifier:
        return (PoseLandmark[name.upper()],)
    if qualifier == "mid":
        return (PoseLandmark[f"LEFT_{part.upper()}"], PoseLandmark[f"RIGHT_{part.upper()}"])
    side: Side
    if qualifier in SIDES:
        side = qualifier  # type: ignore[assignment]
    elif qualifier in ("near", "far"):
        side = context.near_side if qualifier == "near" else opposite(context.near_side)
    else:
        if context.working_side is None:
            raise ValueError(f"point {name!r} needs a working side, but none is set")
        side = context.working_side if qualifier == "working" else opposite(context.working_side)
    return (PoseLandmark[f"{side.upper()}_{part.upper()}"],)


def point(landmarks: Landmarks, name: str, context: BodyContext, space: Space) -> np.ndarray:
    """Position of a named point in pixels (image) or metres (world); NaN if unknown."""
    indices = resolve_point(name, context)
    coords = landmarks.pixels if space == "image" else landmarks.world
    if len(indices) == 1:
        return coords[indices[0]]
    return (coords[indices[0]] + coords[indices[1]]) / 2.0


def point_confidence(landmarks: Landmarks, name: str, context: BodyContext) -> float:
    """Confidence of a named point: the weakest of the landmarks it is made of."""
    confidence = landmarks.confidence()
    return float(min(confidence[i] for i in resolve_point(name, context)))


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ABC in degrees (180 = straight). NaN for degenerate or missing input."""
    u, v = a - b, c - b
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if not (nu > 1e-9 and nv > 1e-9):
        return math.nan
    cosine = float(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))
    return math.degrees(math.acos(cosine))


def _up_vector(space: Space, dims: int) -> np.ndarray:
    # Both image and MediaPipe world coordinates have y pointing down.
    up = np.zeros(dims)
    up[1] = -1.0
    return up


def inclination_from_vertical(start: np.ndarray, end: np.ndarray, space: Space) -> float:
    """Direction of start→end measured from straight up, degrees in [0, 180]."""
    up = _up_vector(space, len(start))
    return joint_angle(start + up, start, end)


def body_scale(landmarks: Landmarks, scale: str, context: BodyContext, space: Space) -> float:
    """A length that grows with the body's size in the picture (pixels or metres)."""
    if scale == "none":
        return 1.0
    pairs = {
        "torso": ("mid_shoulder", "mid_hip"),
        "hip_width": ("left_hip", "right_hip"),
        "shoulder_width": ("left_shoulder", "right_shoulder"),
        "working_thigh": ("working_hip", "working_knee"),
        "other_thigh": ("other_hip", "other_knee"),
    }
    a, b = pairs[scale]
    length = float(np.linalg.norm(point(landmarks, a, context, space) - point(landmarks, b, context, space)))
    return length if length > 1e-9 else math.nan


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-9 else np.full_like(vector, np.nan)


def _axis_vector(axis: str, landmarks: Landmarks, context: BodyContext, space: Space) -> np.ndarray:
    dims = 2 if space == "image" else 3
    if axis == "up":
        return _up_vector(space, dims)
    left = point(landmarks, "left_hip", context, space)
    right = point(landmarks, "right_hip", context, space)
    to_left = _unit(left - right)
    if axis == "person_left":
        return to_left
    if axis == "person_right":
        return -to_left
    if context.working_side is None:
        raise ValueError(f"axis {axis!r} needs a working side, but none is set")
    toward_working = to_left if context.working_side == "left" else -to_left
    return toward_working if axis == "toward_working_side" else -toward_working


def shoulder_hip_twist(landmarks: Landmarks, toward: Side) -> float:
    """Rotation of the shoulder line against the hip line about the vertical, degrees.

    Both lines run from the right to the left landmark, projected on the world's
    horizontal (x, z) plane. Positive means the chest is turned towards ``toward``.
    """
    world = landmarks.world
    shoulders = world[PoseLandmark.LEFT_SHOULDER] - world[PoseLandmark.RIGHT_SHOULDER]
    hips = world[PoseLandmark.LEFT_HIP] - world[PoseLandmark.RIGHT_HIP]
    if not (np.isfinite(shoulders).all() and np.isfinite(hips).all()):
        return math.nan
    # Heading in the x-z plane. Turning the chest to the person's left moves the
    # left shoulder away from the camera (z grows), which increases this angle
    # whichever way the person faces.
    heading_shoulders = math.atan2(shoulders[2], shoulders[0])
    heading_hips = math.atan2(hips[2], hips[0])
    turn_left = math.degrees(heading_shoulders - heading_hips)
    turn_left = (turn_left + 180.0) % 360.0 - 180.0
    return turn_left if toward == "left" else -turn_left


def shoulder_turn(landmarks: Landmarks, toward: Side) -> float:
    """Rotation of the shoulder line about the vertical against the picture plane, degrees.

    0 when the shoulders are square to the camera; positive when the chest is turned
    towards ``toward`` (that side's shoulder goes back, away from the camera). Unlike
    :func:`shoulder_hip_twist` it does not use the hips, so a chair turned towards
    that side counts as a turned chest too: it is for poses whose hips are square to
    the camera.
    """
    world = landmarks.world
    shoulders = world[PoseLandmark.LEFT_SHOULDER] - world[PoseLandmark.RIGHT_SHOULDER]
    if not np.isfinite(shoulders).all():
        return math.nan
    turn_left = math.degrees(math.atan2(shoulders[2], shoulders[0]))
    return turn_left if toward == "left" else -turn_left


@dataclass(frozen=True)
class MeasurementSpec:
    """What to measure, as written in a stretch file.

    kind: one of KINDS. points: point names, as many as the kind takes.
    space: "image" (pixels; robust for what lies in the camera plane) or
    "world" (MediaPipe's 3D estimate). axis: for offset/distance. scale: body
    scale the result is divided by (offset/distance).
    """

    kind: str
    points: tuple[str, ...] = ()
    space: Space = "image"
    axis: str = "any"
    scale: str = "none"

    @property
    def unit(self) -> str:
        if self.kind in ("angle", "inclination", "twist", "turn"):
            return "°"
        return "" if self.scale == "none" else f"× {self.scale.replace('_', ' ')}"

    def landmark_names(self) -> tuple[str, ...]:
        """Point names whose visibility the measurement depends on."""
        if self.kind == "twist":
            return ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
        if self.kind == "turn":
            return ("left_shoulder", "right_shoulder")
        return self.points


def measure(spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
    """Evaluate one measurement; NaN when the landmarks do not allow it."""
    try:
        if spec.kind == "twist":
            toward = context.working_side or "right"
            return shoulder_hip_twist(landmarks, toward)
        if spec.kind == "turn":
            return shoulder_turn(landmarks, context.working_side or "right")
        pts = [point(landmarks, name, context, spec.space) for name in spec.points]
        if not all(np.isfinite(p).all() for p in pts):
            return math.nan
        if spec.kind == "angle":
            return joint_angle(*pts)
        if spec.kind == "inclination":
            return inclination_from_vertical(pts[0], pts[1], spec.space)
        scale = body_scale(landmarks, spec.scale, context, spec.space)
        delta = pts[0] - pts[1]
        if spec.kind == "offset":
            axis = _axis_vector(spec.axis, landmarks, context, spec.space)
            return float(np.dot(delta, axis)) / scale
        if spec.kind == "distance":
            if spec.axis == "horizontal":
                delta = np.delete(delta, 1)  # drop the vertical (y) component
            elif spec.axis == "vertical":
                delta = delta[1:2]
            return float(np.linalg.norm(delta)) / scale
    except (FloatingPointError, ZeroDivisionError):
        return math.nan
    raise ValueError(f"unknown measurement kind {spec.kind!r}")


def nearer_side(landmarks: Landmarks) -> Side | None:
    """The side facing the camera, from world depth of shoulder, hip and knee.

    Returns None when it cannot tell (missing data).
    """
    world = landmarks.world
    left = [PoseLandmark.LEFT_SHOULDER, PoseLandmark.LEFT_HIP, PoseLandmark.LEFT_KNEE]
    right = [PoseLandmark.RIGHT_SHOULDER, PoseLandmark.RIGHT_HIP, PoseLandmark.RIGHT_KNEE]
    depth_left = float(np.nanmean(world[left, 2])) if np.isfinite(world[left, 2]).any() else math.nan
    depth_right = float(np.nanmean(world[right, 2])) if np.isfinite(world[right, 2]).any() else math.nan
    if math.isfinite(depth_left) and math.isfinite(depth_right) and depth_left != depth_right:
        return "left" if depth_left < depth_right else "right"
    conf = landmarks.confidence()
    vis_left, vis_right = float(conf[left].sum()), float(conf[right].sum())
    if vis_left == vis_right:
        return None
    return "left" if vis_left > vis_right else "right"
