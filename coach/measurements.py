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
                   to the camera or body size). The ``toward_*`` and
                   ``person_*`` axes run along the hip line; the ``across_*``
                   axes along the hip line made level (its up-down part
                   dropped: in the picture, plain horizontal), for points far
                   apart in height, whose offset a tilted hip line would mix
                   with their height difference;
* ``distance``     distance between two points (optionally only its horizontal
                   or vertical part), divided by a body scale;

  (``scale = "start"`` divides an offset or distance by the same measurement in
  the person's own start position instead of by a body length: the verdict stage
  keeps that reference, see `coach.verdicts.StretchEvaluator.set_start_reference`;
  here the value is left unscaled; `against_start` has the rule);
* ``twist``        rotation of the shoulder line against the hip line about
                   the vertical, degrees, positive towards the working side
                   (from world landmarks: a single camera sees rotation badly
                   in the picture, but MediaPipe's 3D estimate tracks it);
* ``turn``         rotation of the shoulder line about the vertical against the
                   picture plane (0 = shoulders square to the camera), degrees,
                   positive towards the working side (world landmarks; for a
                   body whose hips are kept square to the camera).
  (``scale = "start"`` on a ``twist`` or ``turn`` subtracts the same measurement
  in the start position: the camera's yaw and MediaPipe's bias drop out.)

An ``offset`` or ``distance`` in the picture may also take some of its points where they
were in the start position (``at_start``), when that was seen: a joint that does not move
between the start and the stretch (the supporting knee of the figure-4) but that the
stretch hides from the camera. The verdict stage puts them there (`with_points_from`);
without the start position they are where they are now.

Each kind is one class below (`Angle`, `Offset`, ...): the fields of its
``measure = { kind = ... }`` table and their validation, its value range, unit and
function together. `measure` dispatches through their registry, and the stretch
loader validates against their union, so a new kind is one class.

Any missing or NaN input gives NaN, never an exception: the verdict stage turns
that into "not visible".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, ClassVar, Literal, get_args

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from coach.landmarks import SIDED_PARTS, Landmarks, PoseLandmark

Side = Literal["left", "right"]
Space = Literal["image", "world"]
OffsetAxis = Literal[
    "up", "toward_other_side", "toward_working_side", "person_left", "person_right",
    "across_toward_other_side", "across_toward_working_side",
]
DistanceAxis = Literal["any", "horizontal", "vertical"]
Scale = Literal[
    "torso", "hip_width", "shoulder_width", "working_thigh", "other_thigh", "working_shin", "other_shin", "none",
    "start",
]
#: The scale that means "against the same measurement in the person's start position".
START_SCALE = "start"

SIDES: tuple[Side, Side] = ("left", "right")
OFFSET_AXES: tuple[str, ...] = get_args(OffsetAxis)
DISTANCE_AXES: tuple[str, ...] = get_args(DistanceAxis)
SCALES: tuple[str, ...] = get_args(Scale)
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
    """A length that grows with the body's size in the picture (pixels or metres).

    ``"start"`` gives 1: that reference is the verdict stage's (it needs the start position)."""
    if scale in ("none", START_SCALE):
        return 1.0
    pairs = {
        "torso": ("mid_shoulder", "mid_hip"),
        "hip_width": ("left_hip", "right_hip"),
        "shoulder_width": ("left_shoulder", "right_shoulder"),
        "working_thigh": ("working_hip", "working_knee"),
        "other_thigh": ("other_hip", "other_knee"),
        "working_shin": ("working_knee", "working_ankle"),
        "other_shin": ("other_knee", "other_ankle"),
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
    hip_line = left - right
    if axis.startswith("across_"):
        # Only which way the hips run is taken from them, not their tilt: MediaPipe
        # draws the crossed leg's hip up, and camera pitch and yaw tilt the line too.
        hip_line = hip_line.copy()
        hip_line[1] = 0.0
        axis = axis.removeprefix("across_")
    to_left = _unit(hip_line)
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
    #: Points taken where they were in the start position, not where they are now.
    at_start: tuple[str, ...] = ()

    @property
    def from_start(self) -> bool:
        """Uses the person's own start position: measured against it, or with points from it."""
        return self.scale == START_SCALE or bool(self.at_start)

    @property
    def definition(self) -> type[MeasurementKind]:
        """The kind's class (fields, range, unit, function); ValueError for an unknown kind."""
        try:
            return KIND_REGISTRY[self.kind]
        except KeyError:
            raise ValueError(f"unknown measurement kind {self.kind!r}") from None

    @property
    def unit(self) -> str:
        return self.definition.unit(self)

    @property
    def value_range(self) -> tuple[float, float]:
        """The values this measurement can take (a target must lie inside)."""
        return self.definition.value_range

    def landmark_names(self) -> tuple[str, ...]:
        """Point names whose visibility the measurement depends on."""
        return self.definition.landmark_names(self)


# ----------------------------------------------------------- measurement kinds
#
# Each kind is one class: the fields of its `measure = { kind = ... }` table and
# their validation (pydantic; the stretch-file loader validates against the
# union of all of them, discriminated on `kind`), the values it can give, its
# unit and its function. Adding a kind is one class here plus its name in
# `MeasureTable` at the end of this section.

PointName = Annotated[str, StringConstraints(max_length=40)]


def _sided(info: ValidationInfo) -> bool | None:
    """Whether the stretch being read has sides (None: unknown, do not judge)."""
    context = info.context if isinstance(info.context, dict) else {}
    value = context.get("has_sides")
    return value if isinstance(value, bool) else None


def _needs_working_side(what: str, info: ValidationInfo) -> None:
    if _sided(info) is False:
        raise ValueError(f"{what} needs a working side, but the stretch has sides = false")


class MeasurementKind(BaseModel):
    """A measurement kind: its file fields and their checks, value range, unit and function."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    #: How many points the kind takes.
    point_count: ClassVar[int] = 0
    #: The values it can give; a target must lie inside.
    value_range: ClassVar[tuple[float, float]] = (0.0, 180.0)

    kind: str
    points: list[PointName] = Field(default_factory=list, validate_default=True)
    space: Space = "image"

    #: Whether the first moments of a hold may stand in for an unseen start position as the
    #: reference of this kind measured with ``scale = "start"`` (`coach.routine`).
    hold_reference: ClassVar[bool] = False

    @classmethod
    def against(cls, value: float, reference: float) -> float:
        """This frame's value measured against the start position's (``scale = "start"``)."""
        raise NotImplementedError(f"kind '{kind_name(cls)}' cannot be measured against the start position")

    @field_validator("points")
    @classmethod
    def _known_points(cls, points: list[str], info: ValidationInfo) -> list[str]:
        kind = kind_name(cls)
        if len(points) != cls.point_count:
            raise ValueError(f"must name {cls.point_count} points for kind '{kind}', got {len(points)}")
        for name in points:
            qualifier, _ = parse_point(name)  # its ValueError names the point
            if qualifier in ("working", "other"):
                _needs_working_side(repr(name), info)
        return points

    def spec(self) -> MeasurementSpec:
        """The runtime description `measure` evaluates."""
        return MeasurementSpec(kind=self.kind, points=tuple(self.points), space=self.space)

    @classmethod
    def unit(cls, spec: MeasurementSpec) -> str:
        return "°"

    @classmethod
    def landmark_names(cls, spec: MeasurementSpec) -> tuple[str, ...]:
        return spec.points

    @classmethod
    def evaluate(cls, spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
        raise NotImplementedError


def _finite_points(spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> list[np.ndarray] | None:
    """The spec's points in its space, or None when any is unknown."""
    pts = [point(landmarks, name, context, spec.space) for name in spec.points]
    return pts if all(np.isfinite(p).all() for p in pts) else None


class Angle(MeasurementKind):
    """Joint angle at the middle of three points, degrees (180 = straight)."""

    point_count = 3
    value_range = (0.0, 180.0)
    kind: Literal["angle"]

    @classmethod
    def evaluate(cls, spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
        pts = _finite_points(spec, landmarks, context)
        return math.nan if pts is None else joint_angle(*pts)


class Inclination(MeasurementKind):
    """Direction of first → second point from straight up, degrees (0 up, 90 level, 180 down)."""

    point_count = 2
    value_range = (0.0, 180.0)
    kind: Literal["inclination"]

    @classmethod
    def evaluate(cls, spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
        pts = _finite_points(spec, landmarks, context)
        return math.nan if pts is None else inclination_from_vertical(pts[0], pts[1], spec.space)


class _Scaled(MeasurementKind):
    """Two points, a result divided by a body length (so camera distance does not matter)."""

    point_count = 2
    axis: str
    scale: Scale
    at_start: list[PointName] = Field(default_factory=list, max_length=2)

    @model_validator(mode="after")
    def _points_at_start(self) -> _Scaled:
        for name in self.at_start:
            if name not in self.points:
                raise ValueError(f"at_start names {name!r}, which is not one of the points {self.points}")
        if self.at_start and self.space != "image":
            raise ValueError("at_start needs space = 'image' (world landmarks are centred on the hips, so where a "
                             "point was earlier says nothing about where it is now)")
        if self.at_start and self.scale == START_SCALE:
            raise ValueError("at_start and scale = 'start' cannot be combined (one compares with the start "
                             "position's value, the other takes points from it)")
        return self

    @field_validator("scale")
    @classmethod
    def _scale_side(cls, scale: str, info: ValidationInfo) -> str:
        if scale.startswith(("working_", "other_")):
            _needs_working_side(repr(scale), info)
        return scale

    def spec(self) -> MeasurementSpec:
        return MeasurementSpec(self.kind, tuple(self.points), self.space, self.axis, self.scale, tuple(self.at_start))

    @classmethod
    def unit(cls, spec: MeasurementSpec) -> str:
        if spec.scale == START_SCALE:
            return "× start position"
        return "" if spec.scale == "none" else f"× {spec.scale.replace('_', ' ')}"

    #: A length in the hold's first moments is still the same person at the same distance.
    hold_reference = True

    @classmethod
    def against(cls, value: float, reference: float) -> float:
        """A length as a fraction of the start position's (1 = as it was)."""
        return value / reference if abs(reference) > 1e-9 else math.nan


class Offset(_Scaled):
    """(first − second) along a body axis, divided by the scale length."""

    value_range = (-10.0, 10.0)
    kind: Literal["offset"]
    axis: OffsetAxis

    @field_validator("axis")
    @classmethod
    def _axis_side(cls, axis: str, info: ValidationInfo) -> str:
        if axis.endswith(("toward_other_side", "toward_working_side")):
            _needs_working_side(repr(axis), info)
        return axis

    @classmethod
    def evaluate(cls, spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
        pts = _finite_points(spec, landmarks, context)
        if pts is None:
            return math.nan
        scale = body_scale(landmarks, spec.scale, context, spec.space)
        axis = _axis_vector(spec.axis, landmarks, context, spec.space)
        return float(np.dot(pts[0] - pts[1], axis)) / scale


class Distance(_Scaled):
    """Distance between two points (all of it, or its horizontal or vertical part) over the scale length."""

    value_range = (0.0, 10.0)
    kind: Literal["distance"]
    axis: DistanceAxis = "any"

    @classmethod
    def evaluate(cls, spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
        pts = _finite_points(spec, landmarks, context)
        if pts is None:
            return math.nan
        scale = body_scale(landmarks, spec.scale, context, spec.space)
        delta = pts[0] - pts[1]
        if spec.axis == "horizontal":
            delta = np.delete(delta, 1)  # drop the vertical (y) component
        elif spec.axis == "vertical":
            delta = delta[1:2]
        return float(np.linalg.norm(delta)) / scale


class _Rotation(MeasurementKind):
    """A rotation about the vertical: needs MediaPipe's depth estimate (world space).

    ``scale = "start"``: degrees turned since the start position, where the person sat
    square to the chair (the camera's yaw and the model's bias drop out). The hold's
    first moments cannot stand in for it: the hold is what it measures."""

    value_range = (-180.0, 180.0)
    space: Space = Field("image", validate_default=True)
    scale: Literal["none", "start"] = "none"

    def spec(self) -> MeasurementSpec:
        return MeasurementSpec(self.kind, tuple(self.points), self.space, scale=self.scale)

    @classmethod
    def unit(cls, spec: MeasurementSpec) -> str:
        return "° from the start position" if spec.scale == START_SCALE else "°"

    @classmethod
    def against(cls, value: float, reference: float) -> float:
        """Degrees turned since the start position, wrapped to -180..180."""
        return (value - reference + 180.0) % 360.0 - 180.0

    @field_validator("space")
    @classmethod
    def _world_only(cls, space: str) -> str:
        if space != "world":
            raise ValueError(f"must be 'world' for kind '{kind_name(cls)}' (rotation needs depth)")
        return space


class Twist(_Rotation):
    """Shoulder line against hip line about the vertical, degrees, positive towards the working side."""

    kind: Literal["twist"]

    @classmethod
    def landmark_names(cls, spec: MeasurementSpec) -> tuple[str, ...]:
        return ("left_shoulder", "right_shoulder", "left_hip", "right_hip")

    @classmethod
    def evaluate(cls, spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
        return shoulder_hip_twist(landmarks, context.working_side or "right")


class Turn(_Rotation):
    """Shoulder line against the picture plane about the vertical, degrees, positive towards the working side."""

    kind: Literal["turn"]

    @classmethod
    def landmark_names(cls, spec: MeasurementSpec) -> tuple[str, ...]:
        return ("left_shoulder", "right_shoulder")

    @classmethod
    def evaluate(cls, spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
        return shoulder_turn(landmarks, context.working_side or "right")


#: A stretch file's `measure` table: one of the kinds, chosen by its `kind` field.
MeasureTable = Annotated[Angle | Inclination | Offset | Distance | Twist | Turn, Field(discriminator="kind")]


def kind_name(cls: type[MeasurementKind]) -> str:
    """The `kind` value a kind class is written as ("" for the abstract bases)."""
    names = get_args(cls.model_fields["kind"].annotation)
    return str(names[0]) if len(names) == 1 else ""


#: Every kind by name, from `MeasureTable`: `measure` dispatches through it.
KIND_REGISTRY: dict[str, type[MeasurementKind]] = {
    kind_name(cls): cls for cls in get_args(get_args(MeasureTable)[0])
}
KINDS: tuple[str, ...] = tuple(KIND_REGISTRY)


def against_start(spec: MeasurementSpec, value: float, reference: float) -> float:
    """A ``scale = "start"`` measurement's value against the start position's: a length
    divided by it, a rotation less it (`MeasurementKind.against`)."""
    return spec.definition.against(value, reference)


def with_points_from(landmarks: Landmarks, earlier: Landmarks, names: tuple[str, ...],
                     context: BodyContext) -> Landmarks:
    """This frame with the named points put where they were in ``earlier`` (picture position
    and confidence; ``at_start``)."""
    indices = [int(i) for name in names for i in resolve_point(name, context)]
    image, visibility, presence = landmarks.image.copy(), landmarks.visibility.copy(), landmarks.presence.copy()
    image[indices] = earlier.image[indices]
    visibility[indices] = earlier.visibility[indices]
    presence[indices] = earlier.presence[indices]
    return landmarks.replace(image=image, visibility=visibility, presence=presence)


def measure(spec: MeasurementSpec, landmarks: Landmarks, context: BodyContext) -> float:
    """Evaluate one measurement; NaN when the landmarks do not allow it."""
    definition = spec.definition
    try:
        return definition.evaluate(spec, landmarks, context)
    except (FloatingPointError, ZeroDivisionError):
        return math.nan


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
