"""The wide render set: 1,200 stills of people doing the seed stretches in many ways.

Where the accuracy set (:mod:`coachlab.rendered.stills`) varies the camera and the
light around one pose per mistake, this set also varies *how the person does the
stretch* (:mod:`coachlab.synthetic.variety`: each kind sampled over its ranges),
the body type (every body of ``rig.BODY_TYPES``, or ``rig.SHAPES`` before the body
types exist), the chair (seat 40-50 cm), the camera (lens 0.5-1.3 m high, 2-3.5 m
away horizontally, turned up to 15° off the stretch's advised view: front for the
chair stretches, either side for the dog), the key light (20-50° either side,
180-320 W) and the look (clothes, skin and room, looks A-E), on both sides.

Every still has a seed (a hash of its stretch, kind and number); the seed drives its
random draws and, hashed again, puts it in the **calibration** part (~55 %) or the
**test** part (~45 %). Limits are chosen on the calibration part only
(``tools/render_samples.py calibrate``) and reported on the test part
(``make accuracy``). The plan is ordered so that any prefix is a balanced sample:
stretches round-robin, and inside a stretch every kind in proportion, bodies in turn.

Rendered on demand into ``build/wide/<stretch>/`` (``make accuracy-renders-wide``),
480x360, 8 Cycles samples + denoise; each still has a ``.json`` job description (a
render is redone only when it changes) and a ``.truth.json`` (seed, part, kind,
the check intents it breaks, whether it is correct by today's stretch files,
sampled parameters, camera, exact landmark pixels and the pose).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from coach.landmarks import Landmarks
from coachlab.rendered import rig
from coachlab.rendered.clips import (
    IMAGE_SIZE,
    SAMPLES,
    RenderJob,
    _look,
    camera_at_distance,
    _pose_dict,
    pose_from_dict,
    seat_height,
)
from coachlab.rendered.scene import Box, chair_boxes, mat_box
from coachlab.rendered.stills import LOOKS, _lift, _mesh_ids, _on_hands_and_feet
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic import variety
from coachlab.synthetic.body import (
    BodyPose,
    Camera,
    joint_positions,
    make_landmarks,
    project,
)

STRETCHES = ("seated_piriformis_twist", "seated_figure_four", "downward_dog")
#: Stills per kind: the correct execution gets about 40 % of a stretch's 400.
COUNTS: dict[str, dict[str, int]] = {
    "seated_piriformis_twist": {"correct": 160, "no twist": 48, "foot on its own side": 48,
                                "foot in line with the knee": 48, "slumped": 48, "standing up": 48},
    "seated_figure_four": {"correct": 172, "leg not crossed": 57, "ankle on the shin": 57,
                           "ankle on the middle of the thigh": 57, "standing up": 57},
    "downward_dog": {"correct": 160, "knees very bent": 40, "hips dropped": 40, "elbows bent": 40,
                     "rounded back": 40, "feet too close": 40, "hands and knees": 40},
}
CALIBRATION_SHARE = 0.55
PARTS = ("calibration", "test")
CAMERA_HEIGHT_RANGE_M = (0.5, 1.3)
CAMERA_DISTANCE_RANGE_M = (2.0, 3.5)
YAW_RANGE_DEG = 15.0
KEY_ANGLE_RANGE_DEG = (20.0, 50.0)
KEY_ENERGY_RANGE_W = (180.0, 320.0)
#: Camera height bands of the report.
HEIGHT_BANDS = ((0.5, 0.8), (0.8, 1.05), (1.05, 1.3))
WIDE_SUBDIR = Path("build") / "wide"
SEATED = frozenset({"seated_piriformis_twist", "seated_figure_four"})


def body_types() -> tuple[str, ...]:
    """The body types to render: ``rig.BODY_TYPES`` when present, else the two shapes."""
    return tuple(getattr(rig, "BODY_TYPES", tuple(rig.SHAPES)))


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def part_of(seed: int) -> str:
    """calibration or test, from a hash of the seed alone."""
    return "calibration" if _hash(f"part/{seed}") % 1000 < CALIBRATION_SHARE * 1000 else "test"


def height_band(height_m: float) -> str:
    for lo, hi in HEIGHT_BANDS:
        if height_m < hi or hi == HEIGHT_BANDS[-1][1]:
            return f"{lo:.2f}-{hi:.2f} m"
    raise AssertionError


@dataclass(frozen=True)
class WideSpec:
    """One planned still of the wide set."""

    still_id: str
    seed: int
    part: str
    stretch_id: str
    kind: str
    index: int  #: number of the still among its kind's
    count: int  #: stills of its kind
    body: str
    side: str | None
    view: str  #: where the camera is around the person (before the yaw)
    camera_height_m: float
    camera_distance_m: float
    yaw_deg: float
    key_angle_deg: float
    key_energy_w: float
    look: str

    @property
    def breaks(self) -> tuple[str, ...]:
        return variety.kind(self.stretch_id, self.kind).breaks

    @property
    def height_band(self) -> str:
        return height_band(self.camera_height_m)


def plan_still(stretch_id: str, kind_name: str, index: int, count: int, body_offset: int,
               bodies: tuple[str, ...]) -> WideSpec:
    """The ``index``-th of ``count`` stills of a kind: its seed, part, body (in turn from
    ``body_offset``), side, camera, light and look."""
    slug = "".join(ch if ch.isalnum() else "_" for ch in kind_name)
    seed = _hash(f"wide/{stretch_id}/{kind_name}/{index}")
    rng = np.random.default_rng(seed)
    body = bodies[(index + body_offset) % len(bodies)]
    side = ("right", "left")[(index // len(bodies)) % 2] if stretch_id in SEATED else None
    view = "front" if stretch_id in SEATED else ("side_left", "side_right")[int(rng.integers(2))]
    # camera height and distance stratified over the kind, like the pose parameters
    strata = np.random.default_rng(_hash(f"cam/{stretch_id}/{kind_name}")).permutation(count)
    u_height = (strata[index] + rng.uniform()) / count
    u_dist = (strata[::-1][index] + rng.uniform()) / count
    lo, hi = CAMERA_HEIGHT_RANGE_M
    height = lo + (hi - lo) * u_height
    lo, hi = CAMERA_DISTANCE_RANGE_M
    distance = lo + (hi - lo) * u_dist
    yaw = float(rng.uniform(-YAW_RANGE_DEG, YAW_RANGE_DEG))
    key = float(rng.uniform(*KEY_ANGLE_RANGE_DEG)) * (1.0 if rng.random() < 0.5 else -1.0)
    energy = float(rng.uniform(*KEY_ENERGY_RANGE_W))
    look = LOOKS[int(rng.integers(len(LOOKS)))]
    return WideSpec(f"{stretch_id}-{slug}-{index:03d}", seed, part_of(seed), stretch_id, kind_name, index, count,
                    body, side, view, round(float(height), 3), round(float(distance), 3), round(yaw, 2), round(key, 1),
                    round(energy, 0), look)


@lru_cache(maxsize=2)
def plan_wide(bodies: tuple[str, ...] | None = None) -> tuple[WideSpec, ...]:
    """Every still of the wide set, in render order (any prefix is a balanced sample)."""
    bodies = bodies or body_types()
    per_stretch = []
    for stretch_id in STRETCHES:
        items = []
        for k_i, (kind_name, count) in enumerate(COUNTS[stretch_id].items()):
            for index in range(count):
                items.append(((index + 0.5) / count, k_i,
                              plan_still(stretch_id, kind_name, index, count, k_i, bodies)))
        items.sort(key=lambda t: (t[0], t[1]))
        per_stretch.append([t[2] for t in items])
    out = []
    for k in range(max(len(s) for s in per_stretch)):
        out.extend(s[k] for s in per_stretch if k < len(s))
    return tuple(out)


def plan_summary(specs: tuple[WideSpec, ...] | None = None) -> dict[str, Any]:
    specs = specs if specs is not None else plan_wide()
    out: dict[str, Any] = {"stills": len(specs), "parts": {}, "by_stretch": {}, "bodies": sorted({s.body for s in specs})}
    for s in specs:
        out["parts"][s.part] = out["parts"].get(s.part, 0) + 1
        out["by_stretch"][s.stretch_id] = out["by_stretch"].get(s.stretch_id, 0) + 1
    return out


# ---------------------------------------------------------------------- placing and rendering


@lru_cache(maxsize=16)
def hip_above_seat(body_name: str) -> float:
    """How far the mesh's hip joints sit above a seat it rests on (its own flesh)."""
    body = rig.load_body(body_name)
    return sp.seated_hip_height(body.proportions) - seat_height(body)


@lru_cache(maxsize=64)
def wide_sample(spec: WideSpec) -> variety.Sample:
    body = rig.load_body(spec.body)
    return variety.sample(spec.stretch_id, spec.kind, body.proportions, spec.index, spec.count, spec.seed,
                          hip_above_seat(spec.body))


@lru_cache(maxsize=64)
def spec_pose(spec: WideSpec) -> BodyPose:
    """The sampled pose on the mesh body, mirrored for the left side, placed in the scene:
    on the chair (never through the floor), standing on the floor, or with hands and
    feet (or knees) on the floor."""
    body = rig.load_body(spec.body)
    s = wide_sample(spec)
    pose = s.pose
    if s.support == "hands_and_feet":
        pose = _on_hands_and_feet(body, pose)
    if spec.side == "left":
        pose = pose.mirrored()
    low = float(body.posed_vertices(pose, _mesh_ids(spec.body))[:, 1].min())
    if s.support != "chair" or low < 0.0:
        pose = _lift(pose, -low)
    return pose


def spec_boxes(spec: WideSpec) -> tuple[Box, ...]:
    if spec.stretch_id in SEATED:
        chair = wide_sample(spec).params.get("chair_m", sum(variety.CHAIR_RANGE_M) / 2)
        return tuple(chair_boxes(rig.load_body(spec.body).proportions, float(chair)))
    pts = joint_positions(spec_pose(spec), rig.load_body(spec.body).proportions)
    z_lo, z_hi = float(pts[:, 2].min()) - 0.3, float(pts[:, 2].max()) + 0.3
    return (mat_box(float(pts[:, 0].mean()), (z_lo + z_hi) / 2, z_hi - z_lo),)


def spec_camera(spec: WideSpec) -> Camera:
    """The lens at the sampled height, distance (horizontal, from the middle of the
    person) and yaw; moved back if the person would not fit in the picture."""
    pts = joint_positions(spec_pose(spec), rig.load_body(spec.body).proportions)
    return camera_at_distance(pts, spec.view, spec.camera_height_m, spec.camera_distance_m, spec.yaw_deg, IMAGE_SIZE)


def spec_look(spec: WideSpec) -> dict:
    return _look(spec.look, spec.key_angle_deg, spec.key_energy_w)


def wide_job(spec: WideSpec) -> RenderJob:
    return RenderJob(spec.still_id, 0, 0.0, spec.body, spec_pose(spec), spec_camera(spec), spec_boxes(spec),
                     spec_look(spec), SAMPLES)


def wide_png(root: Path, spec: WideSpec) -> Path:
    return root / WIDE_SUBDIR / spec.stretch_id / f"{spec.still_id}.png"


def truth_path(png: Path) -> Path:
    return png.with_suffix(".truth.json")


def penetration(spec: WideSpec) -> dict[str, float]:
    """How far the posed mesh goes into the floor and into each prop (metres, >= 0)."""
    verts = rig.load_body(spec.body).posed_vertices(spec_pose(spec), _mesh_ids(spec.body))
    out = {"floor": max(0.0, -float(verts[:, 1].min()))}
    for box in spec_boxes(spec):
        c, half = np.asarray(box.centre), np.asarray(box.size) / 2
        inside = np.all(np.abs(verts - c) < half, axis=1)
        out[box.name] = float((half - np.abs(verts[inside] - c)).min(axis=1).max()) if inside.any() else 0.0
    return out


def still_truth(spec: WideSpec) -> dict[str, Any]:
    """The truth record of a still (JSON-ready; no pictures and no app packages needed)."""
    body = rig.load_body(spec.body)
    s = wide_sample(spec)
    pose = spec_pose(spec)
    camera = spec_camera(spec)
    lm = make_landmarks(pose, body.proportions, camera)
    return {
        "schema": "stretch-coach/wide-still-truth/1",
        **{k: v for k, v in asdict(spec).items()},
        "height_band": spec.height_band,
        "breaks": list(s.breaks),
        "broken_gates": variety.broken_gates(spec.stretch_id, s.breaks),
        "correct": variety.is_correct(spec.stretch_id, s.breaks),
        "params": s.params,
        "camera": {"position": [round(v, 5) for v in camera.position], "target": [round(v, 5) for v in camera.target],
                   "vertical_fov_deg": camera.vertical_fov_deg, "image_size": list(camera.image_size)},
        "pose": _pose_dict(pose),
        "px": [[round(float(x), 2), round(float(y), 2)] for x, y in lm.pixels],
    }


def drawn_for(truth_file: Path, spec: WideSpec) -> bool:
    """The truth record beside a picture is for this still (its plan entry: seed, body,
    camera, look): a render can resume past it. The solved pose is not compared: it differs in
    its last digits between machines (see ``wide_landmarks``)."""
    if not truth_file.is_file():
        return False
    recorded = json.loads(truth_file.read_text())
    return all(recorded.get(k) == v for k, v in asdict(spec).items())


def truth_landmarks(truth: dict[str, Any]) -> Landmarks:
    """The exact landmarks a still's truth record describes (what a perfect detector would
    give), from its solved pose and camera alone."""
    cam = truth["camera"]
    camera = Camera(tuple(cam["position"]), tuple(cam["target"]), cam["vertical_fov_deg"], tuple(cam["image_size"]))
    return make_landmarks(pose_from_dict(truth["pose"]), rig.load_body(truth["body"]).proportions, camera)


def in_frame(spec: WideSpec) -> bool:
    pts = joint_positions(spec_pose(spec), rig.load_body(spec.body).proportions)
    _, inside = project(pts, spec_camera(spec))
    return bool(inside.all())


__all__ = ["CALIBRATION_SHARE", "COUNTS", "HEIGHT_BANDS", "PARTS", "STRETCHES", "WIDE_SUBDIR", "WideSpec",
           "body_types", "drawn_for", "height_band", "in_frame", "part_of", "penetration", "plan_still",
           "plan_summary", "plan_wide",
           "spec_boxes", "spec_camera", "spec_look", "spec_pose", "still_truth", "truth_path", "wide_job",
           "wide_png", "wide_sample"]

