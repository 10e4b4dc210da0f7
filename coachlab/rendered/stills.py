"""The accuracy set: still renders of every stretch x view x body x variant x side.

Rendered on demand (``make accuracy-renders``, into ``build/stills/``; not committed)
and measured by ``make accuracy``. Every still is one pose of
:func:`coachlab.synthetic.variants.variants` (the correct pose and each typical mistake,
the same table the synthetic tests use), on one of the two mesh bodies, seen from one
of five camera views, with small deterministic variations of the camera and the
light so a result is not one lucky render:

* camera yaw within +-5 degrees of the view, lens height +-0.15 m around the
  height the stretch's camera advice asks for;
* key light 20-50 degrees to the left or right of the camera;
* clothing, skin and room colours: one of the clip looks A-E.

A stretch's recommended view(s) (front for the chair stretches, either side for the
downward dog) get :data:`RECOMMENDED_VARIATIONS` variations per combination and both
sides, the other views :data:`OTHER_VARIATIONS` and one side (alternating, so every
view still shows both sides and both bodies; :func:`planned_sides`): 348 stills,
about 30 minutes of rendering on 2 cores (5-6.5 s a still).

Views of the two-sided (chair) stretches are named as for the RIGHT side working;
the left-side still is the mirror image (pose mirrored, camera on the mirrored
side), as in the sample clips. So "three_quarter_right" always means 45 degrees
towards the working side, "side_left" side-on from the other side.

Placement, so nothing floats or sinks: chair poses sit on the chair
(:func:`~coachlab.rendered.clips.seat_height`), and are raised if a foot would go
through the floor; standing poses stand with the lowest point of the mesh on the
floor; downward-dog poses have the pelvis pitch adjusted (a degree or two) until the
lowest points of the mesh's hands and feet are level, and are then lowered onto
the floor, on a mat, with the hands where the tabletop puts them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from coach.landmarks import PoseLandmark as L
from coachlab.rendered.clips import (
    IMAGE_SIZE,
    SAMPLES,
    RenderJob,
    _look,
    framing_camera,
    seat_height,
)
from coachlab.rendered.rig import SEGMENTS, RenderedBody, load_body
from coachlab.rendered.scene import Box, chair_boxes, mat_box
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyPose, Camera, joint_positions
from coachlab.synthetic.variants import (
    CAMERA_HEIGHT,
    RECOMMENDED_VIEWS,
    SEATED,
    Variant,
    mirror_view,
    variants,
)

#: The seed stretches of the set, in report order.
STRETCHES = ("seated_piriformis_twist", "seated_figure_four", "downward_dog")
#: Camera views (names of :data:`coachlab.synthetic.body.VIEW_AZIMUTH_DEG`).
VIEWS = ("front", "three_quarter_left", "three_quarter_right", "side_left", "side_right")
#: The two mesh bodies (:data:`coachlab.rendered.rig.SHAPES`).
SHAPES = ("female", "male")
#: Variations (camera, light, look) per combination from a recommended view / another view.
RECOMMENDED_VARIATIONS = 3
OTHER_VARIATIONS = 1
#: Half-ranges of the variations.
YAW_JITTER_DEG = 5.0
HEIGHT_JITTER_M = 0.15
KEY_ANGLE_RANGE_DEG = (20.0, 50.0)
LOOKS = ("A", "B", "C", "D", "E")
#: Where the still renders go, under the project root.
STILLS_SUBDIR = Path("build") / "stills"


@dataclass(frozen=True)
class Variation:
    index: int
    yaw_offset_deg: float
    camera_height_m: float
    key_angle_deg: float
    look: str


@dataclass(frozen=True)
class StillSpec:
    """One planned still."""

    still_id: str
    stretch_id: str
    variant: str  #: "correct" or the mistake's name
    fails: str | None  #: the check the mistake is meant to fail
    side: str | None
    shape: str
    view: str  #: as named for the right side working (see the module docstring)
    variation: Variation

    @property
    def camera_view(self) -> str:
        """The camera's actual place around the person (mirrored for the left side)."""
        return mirror_view(self.view) if self.side == "left" else self.view

    @property
    def recommended(self) -> bool:
        return self.view in RECOMMENDED_VIEWS[self.stretch_id]


def sides_of(stretch_id: str) -> tuple[str | None, ...]:
    return ("right", "left") if stretch_id in SEATED else (None,)


def planned_sides(stretch_id: str, view: str, shape_index: int, variant_index: int) -> tuple[str | None, ...]:
    """Both sides from a recommended view; from the other views one side, alternating
    between the bodies and the variants (the left side is the mirror image of the
    right, so a mirror pair from a view that only tells what goes wrong adds little,
    and the set has to render in about half an hour)."""
    sides = sides_of(stretch_id)
    if len(sides) == 1 or view in RECOMMENDED_VIEWS[stretch_id]:
        return sides
    return (sides[(shape_index + variant_index) % 2],)


def variation_count(stretch_id: str, view: str) -> int:
    return RECOMMENDED_VARIATIONS if view in RECOMMENDED_VIEWS[stretch_id] else OTHER_VARIATIONS


def _seed(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def make_variations(key: str, count: int, stretch_id: str) -> tuple[Variation, ...]:
    """``count`` deterministic variations for the combination named ``key``: yaw
    stratified over +-5 degrees, a different look for each (A-E, from a key-dependent
    start), lens height and key light drawn from the key's own random stream."""
    seed = _seed(key)
    rng = np.random.default_rng(seed)
    start = seed % len(LOOKS)
    out = []
    for k in range(count):
        lo = -YAW_JITTER_DEG + 2 * YAW_JITTER_DEG * k / count
        yaw = float(rng.uniform(lo, lo + 2 * YAW_JITTER_DEG / count))
        height = CAMERA_HEIGHT[stretch_id] + float(rng.uniform(-HEIGHT_JITTER_M, HEIGHT_JITTER_M))
        key_angle = float(rng.uniform(*KEY_ANGLE_RANGE_DEG)) * (1.0 if rng.random() < 0.5 else -1.0)
        out.append(Variation(k, round(yaw, 2), round(height, 3), round(key_angle, 1),
                             LOOKS[(start + k) % len(LOOKS)]))
    return tuple(out)


def _variant(stretch_id: str, name: str) -> Variant:
    return next(v for v in variants(stretch_id) if v.name == name)


@lru_cache(maxsize=1)
def plan_stills() -> tuple[StillSpec, ...]:
    """Every still of the set, in a fixed order."""
    out = []
    for stretch_id in STRETCHES:
        for view in VIEWS:
            for shape_index, shape in enumerate(SHAPES):
                for variant_index, variant in enumerate(variants(stretch_id)):
                    for side in planned_sides(stretch_id, view, shape_index, variant_index):
                        key = f"{stretch_id}-{side or 'both'}-{view}-{shape}-{variant.slug}"
                        for v in make_variations(key, variation_count(stretch_id, view), stretch_id):
                            out.append(StillSpec(f"{key}-{v.index}", stretch_id, variant.name, variant.fails, side,
                                                 shape, view, v))
    return tuple(out)


# ---------------------------------------------------------------------- placement


@lru_cache(maxsize=4)
def _mesh_ids(shape: str) -> np.ndarray:
    """Vertex ids of the rendered mesh (skin and eyes) of a body."""
    return load_body(shape).render_mesh()[0]


def _segment_vertices(body: RenderedBody, suffixes: tuple[str, ...]) -> np.ndarray:
    ids = _mesh_ids(body.shape)
    dominant = np.argmax(body.weights[ids], axis=1)
    wanted = [SEGMENTS.index(s) for s in SEGMENTS if s.endswith(suffixes)]
    return ids[np.isin(dominant, wanted)]


class _Skin:
    """Linear-blend skinning of a few vertices, over only the segments that move them
    (the same sum as :meth:`RenderedBody.posed_vertices`, much cheaper in a search)."""

    def __init__(self, body: RenderedBody, ids: np.ndarray) -> None:
        w = body.weights[ids]
        self.segments = np.flatnonzero(w.max(axis=0) > 0)
        self.weights = w[:, self.segments]
        self.vertices = body.vertices[ids]

    def lowest(self, rot: np.ndarray, trans: np.ndarray) -> float:
        """The lowest height of the vertices for the segment transforms ``rot``, ``trans``."""
        y = self.vertices @ rot[self.segments, 1, :].T + trans[self.segments, 1]
        return float((self.weights * y).sum(axis=1).min())


def _lift(pose: BodyPose, dy: float) -> BodyPose:
    x, y, z = pose.pelvis_position
    return pose.replace(pelvis_position=(x, y + dy, z))


def _dog_anchor(body: RenderedBody) -> np.ndarray:
    """Where the hands are planted (x, z of the mid-wrist): where the tabletop puts them."""
    pts = joint_positions(sp.tabletop(body.proportions), body.proportions)
    return ((pts[L.LEFT_WRIST] + pts[L.RIGHT_WRIST]) / 2)[[0, 2]]


def _on_hands_and_feet(body: RenderedBody, pose: BodyPose) -> BodyPose:
    """Pitch the whole body (about the pelvis) until the lowest mesh points of the hands
    and of the feet are level, plant the hands at the anchor, lower onto the floor."""
    hands = _Skin(body, _segment_vertices(body, ("_hand",)))
    feet = _Skin(body, _segment_vertices(body, ("_foot",)))

    def gap(delta: float) -> float:
        p = pose.replace(pelvis_pitch_deg=pose.pelvis_pitch_deg + delta)
        rot, trans = body.segment_transforms(p)
        return hands.lowest(rot, trans) - feet.lowest(rot, trans)

    lo, hi = -12.0, 12.0  # more pitch lowers the hands against the feet
    gap_lo = gap(lo)
    if gap_lo * gap(hi) > 0:
        raise ValueError("no pitch puts the mesh's hands and feet on the floor")
    for _ in range(40):
        mid = (lo + hi) / 2
        gap_mid = gap(mid)
        if gap_lo * gap_mid <= 0:
            hi = mid
        else:
            lo, gap_lo = mid, gap_mid
    pose = pose.replace(pelvis_pitch_deg=round(pose.pelvis_pitch_deg + (lo + hi) / 2, 4))
    anchor = _dog_anchor(body)
    pts = joint_positions(pose, body.proportions)
    wrist = (pts[L.LEFT_WRIST] + pts[L.RIGHT_WRIST]) / 2
    x, y, z = pose.pelvis_position
    pose = pose.replace(pelvis_position=(x + anchor[0] - wrist[0], y, z + anchor[1] - wrist[2]))
    return _lift(pose, -float(body.posed_vertices(pose, _mesh_ids(body.shape))[:, 1].min()))


@lru_cache(maxsize=256)
def placed_pose(stretch_id: str, variant: str, shape: str, side: str | None) -> BodyPose:
    """The variant's pose for the mesh body, mirrored for the left side, placed in the scene."""
    body = load_body(shape)
    v = _variant(stretch_id, variant)
    pose = v.build(body.proportions)
    if v.support == "hands_and_feet":
        pose = _on_hands_and_feet(body, pose)
    if side == "left":
        pose = pose.mirrored()
    if v.support != "hands_and_feet":
        low = float(body.posed_vertices(pose, _mesh_ids(shape))[:, 1].min())
        if v.support == "feet" or low < 0.0:  # standing: on the floor; sitting: never through it
            pose = _lift(pose, -low)
    return pose


def spec_pose(spec: StillSpec) -> BodyPose:
    return placed_pose(spec.stretch_id, spec.variant, spec.shape, spec.side)


@lru_cache(maxsize=16)
def _boxes(stretch_id: str, shape: str) -> tuple[Box, ...]:
    body = load_body(shape)
    if stretch_id in SEATED:
        return tuple(chair_boxes(body.proportions, seat_height(body)))
    # the mat under the whole body: from the hands back past the feet of the correct dog
    anchor = _dog_anchor(body)
    feet = joint_positions(placed_pose(stretch_id, "correct", shape, None), body.proportions)
    z_lo = float(min(feet[L.LEFT_FOOT_INDEX, 2], feet[L.LEFT_HEEL, 2])) - 0.35
    z_hi = float(anchor[1]) + 0.30
    return (mat_box(0.0, (z_lo + z_hi) / 2, z_hi - z_lo),)


def spec_boxes(spec: StillSpec) -> tuple[Box, ...]:
    return _boxes(spec.stretch_id, spec.shape)


def spec_camera(spec: StillSpec) -> Camera:
    body = load_body(spec.shape)
    pts = joint_positions(spec_pose(spec), body.proportions)
    v = spec.variation
    return framing_camera(pts, spec.camera_view, v.camera_height_m, v.yaw_offset_deg, IMAGE_SIZE)


def spec_look(spec: StillSpec) -> dict:
    return _look(spec.variation.look, spec.variation.key_angle_deg)


def still_job(spec: StillSpec) -> RenderJob:
    """The render of a still (``clip_id`` = the still id, index 0)."""
    return RenderJob(spec.still_id, 0, 0.0, spec.shape, spec_pose(spec), spec_camera(spec), spec_boxes(spec),
                     spec_look(spec), SAMPLES)


def still_png(root: Path, spec: StillSpec) -> Path:
    return root / STILLS_SUBDIR / spec.stretch_id / f"{spec.still_id}.png"


def posed_mesh(spec: StillSpec) -> tuple[np.ndarray, np.ndarray]:
    """(vertex ids, posed vertices) of the rendered mesh in a still."""
    ids = _mesh_ids(spec.shape)
    return ids, load_body(spec.shape).posed_vertices(spec_pose(spec), ids)


def penetration(spec: StillSpec, verts: np.ndarray | None = None) -> dict[str, float]:
    """How far the posed mesh (``verts``, default: :func:`posed_mesh`) goes into the
    floor and into each prop (metres, >= 0)."""
    if verts is None:
        verts = posed_mesh(spec)[1]
    out = {"floor": max(0.0, -float(verts[:, 1].min()))}
    for box in spec_boxes(spec):
        c, half = np.asarray(box.centre), np.asarray(box.size) / 2
        inside = np.all(np.abs(verts - c) < half, axis=1)
        out[box.name] = float((half - np.abs(verts[inside] - c)).min(axis=1).max()) if inside.any() else 0.0
    return out


def plan_summary(specs: tuple[StillSpec, ...] | None = None) -> dict[str, Any]:
    specs = specs if specs is not None else plan_stills()
    by_stretch: dict[str, int] = {}
    for s in specs:
        by_stretch[s.stretch_id] = by_stretch.get(s.stretch_id, 0) + 1
    return {"stills": len(specs), "by_stretch": by_stretch,
            "recommended": sum(s.recommended for s in specs)}


__all__ = [
    "LOOKS",
    "OTHER_VARIATIONS",
    "RECOMMENDED_VARIATIONS",
    "SHAPES",
    "STILLS_SUBDIR",
    "STRETCHES",
    "VIEWS",
    "StillSpec",
    "Variation",
    "make_variations",
    "penetration",
    "placed_pose",
    "plan_stills",
    "plan_summary",
    "posed_mesh",
    "sides_of",
    "spec_boxes",
    "spec_camera",
    "spec_look",
    "spec_pose",
    "still_job",
    "still_png",
    "variation_count",
]
