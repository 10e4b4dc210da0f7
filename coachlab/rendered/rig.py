"""The MakeHuman body posed with the synthetic body's vocabulary (numpy only).

Source of truth
---------------
The *synthetic skeleton* (:func:`coachlab.synthetic.body.segment_frames` and
:func:`~coachlab.synthetic.body.joint_positions`) is the source of truth, run with
:class:`~coachlab.synthetic.body.BodyProportions` measured from this mesh's own
skeleton (:attr:`RenderedBody.proportions`). The mesh is deformed so that its
skeleton follows that chain exactly:

1. Every MakeHuman bone belongs to one of the synthetic body's 21 rigid segments
   (pelvis, trunk, head, and per side thigh, shank, foot, upper arm, forearm, hand),
   found by walking up the bone's parents (:data:`SEGMENT_OF_BONE`).
2. Each segment gets a *rest alignment* ``C`` (a rotation): the segment's frame as
   it lies in the mesh's modelled rest pose (an A-pose with the elbows a little
   bent and the legs a little apart), built from the mesh's own joints
   (y from the distal to the proximal joint, z forward, x = y × z). The synthetic
   body's rest pose is standing straight with the arms hanging, thumbs forward.
3. A pose moves each segment rigidly: a mesh point ``v`` of segment ``s`` goes to
   ``P_s + R_s C_sᵀ (v - J_s)``, where ``J_s`` is the segment's proximal joint on
   the mesh and ``P_s``/``R_s`` the synthetic segment origin and rotation for the
   pose. Vertices blend these transforms with MakeHuman's skin weights (summed per
   segment): linear-blend skinning.

So the joint centres of the posed mesh skeleton are *exactly* the synthetic
``joint_positions(pose, body.proportions)`` (tested), and the landmarks a test or
the ground truth uses need no mesh at all. Face and hand landmark offsets are
measured on the mesh too (nose tip, eyes, ears, knuckles), except the mouth
corners, which use the synthetic body's head-size ratios.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from coachlab.rendered.assets import MESH_UNIT_M, BodyAssets, load_assets
from coachlab.synthetic.body import BodyPose, BodyProportions, segment_frames

SIDES = (("left", "L", 1.0), ("right", "R", -1.0))
SEGMENTS: tuple[str, ...] = ("pelvis", "trunk", "head") + tuple(
    f"{side}_{part}"
    for side, _, _ in SIDES
    for part in ("thigh", "shank", "foot", "upper_arm", "forearm", "hand")
)

#: The first bone (walking up from any bone) that decides the bone's segment.
SEGMENT_OF_BONE: dict[str, str] = {"root": "pelvis", "spine05": "trunk", "neck01": "head"}
for _side, _s, _ in SIDES:
    SEGMENT_OF_BONE.update({
        f"pelvis.{_s}": "pelvis",
        f"clavicle.{_s}": "trunk",
        f"upperleg01.{_s}": f"{_side}_thigh",
        f"lowerleg01.{_s}": f"{_side}_shank",
        f"foot.{_s}": f"{_side}_foot",
        f"upperarm01.{_s}": f"{_side}_upper_arm",
        f"lowerarm01.{_s}": f"{_side}_forearm",
        f"wrist.{_s}": f"{_side}_hand",
    })

#: The two original body shapes: macro morph targets and their weights (CC0 MakeHuman
#: targets). Kept as they were; :data:`BODY_TYPE_TABLE` rebuilds them exactly.
SHAPES: dict[str, dict[str, float]] = {
    "female": {"caucasian-female-young": 1.0},
    "male": {"caucasian-male-young": 1.0},
}


@dataclass(frozen=True)
class BodyType:
    """A body built from MakeHuman's macro morph targets (the sliders of its "Main" tab).

    Sliders are 0..1 with 0.5 the neutral, average value, except ``age_years``:
    gender 0 = female, 1 = male; muscle, weight and height 0 = minimum, 1 = maximum;
    proportions > 0.5 towards MakeHuman's "ideal" (longer legs, smaller head),
    < 0.5 towards "uncommon". Ages between the targets' anchor ages (11, 25, 90
    years) blend the two nearest. ``details`` adds MakeHuman detail targets by
    ``group/name`` (e.g. ``stomach/stomach-pregnant-incr``) with a weight in 0..1,
    where the macro weight targets alone change the outline only a little.
    """

    description: str
    gender: float
    age_years: float = 25.0
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5
    race: str = "caucasian"
    details: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        for name in ("gender", "muscle", "weight", "height", "proportions"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"body type {self.description!r}: {name} = {value} is outside 0..1")
        if not AGE_ANCHORS[0][1] <= self.age_years <= AGE_ANCHORS[-1][1]:
            raise ValueError(f"body type {self.description!r}: age {self.age_years} is outside "
                             f"{AGE_ANCHORS[0][1]}..{AGE_ANCHORS[-1][1]} years")
        if self.race not in ("african", "asian", "caucasian"):
            raise ValueError(f"body type {self.description!r}: unknown race target {self.race!r}")
        for target, weight in self.details:
            if "/" not in target or not 0.0 < weight <= 1.0:
                raise ValueError(f"body type {self.description!r}: detail {target!r} needs a 'group/name' "
                                 f"and a weight in (0, 1], got {weight}")

    def target_weights(self) -> dict[str, float]:
        """Macro target name -> weight (only the targets with a non-zero weight)."""
        out: dict[str, float] = {}
        for gender, gw in _pair(self.gender, "female", "male"):
            for age, aw in _age_weights(self.age_years):
                _add(out, f"{self.race}-{gender}-{age}", gw * aw)
                for muscle, mw in _three(self.muscle, "muscle"):
                    for weight, ww in _three(self.weight, "weight"):
                        stem = f"{gender}-{age}-{muscle}-{weight}"
                        base = gw * aw * mw * ww
                        _add(out, f"universal-{stem}", base)
                        for end, hw in _pair(self.height, "minheight", "maxheight", neutral_middle=True):
                            _add(out, f"{stem}-{end}", base * hw)
                        for end, pw in _pair(self.proportions, "uncommonproportions", "idealproportions",
                                             neutral_middle=True):
                            _add(out, f"{stem}-{end}", base * pw)
        for target, weight in self.details:
            _add(out, target.rsplit("/", 1)[1], weight)
        return out


#: Anchor ages (years) of MakeHuman's age targets used here.
AGE_ANCHORS: tuple[tuple[str, float], ...] = (("child", 11.0), ("young", 25.0), ("old", 90.0))


def _add(out: dict[str, float], name: str, weight: float) -> None:
    if weight > 1e-6:
        out[name] = out.get(name, 0.0) + weight


def _pair(value: float, low: str, high: str, neutral_middle: bool = False) -> list[tuple[str, float]]:
    """Weights of two end targets: linear across 0..1, or (``neutral_middle``) zero at 0.5."""
    if not neutral_middle:
        return [(low, 1.0 - value), (high, value)]
    return [(low, max(0.0, 1.0 - 2.0 * value)), (high, max(0.0, 2.0 * value - 1.0))]


def _three(value: float, what: str) -> list[tuple[str, float]]:
    """Weights of the min / average / max targets of a 0..1 slider (0.5 = average)."""
    lo = max(0.0, 1.0 - 2.0 * value)
    hi = max(0.0, 2.0 * value - 1.0)
    return [(f"min{what}", lo), (f"average{what}", 1.0 - lo - hi), (f"max{what}", hi)]


def _age_weights(years: float) -> list[tuple[str, float]]:
    for (name_a, a), (name_b, b) in itertools.pairwise(AGE_ANCHORS):
        if years <= b:
            t = (years - a) / (b - a)
            return [(name_a, 1.0 - t), (name_b, t)]
    raise ValueError(f"age {years} is outside the anchor ages")


#: The body types :func:`load_body` knows: name -> macro slider settings.
BODY_TYPE_TABLE: dict[str, BodyType] = {
    "female": BodyType("average young woman (the original female shape)", gender=0.0),
    "male": BodyType("average young man (the original male shape)", gender=1.0),
    "tall_thin_woman": BodyType("tall, thin young woman", gender=0.0, weight=0.1, height=0.62,
                                details=(("torso/torso-scale-horiz-decr", 0.5), ("hip/hip-scale-horiz-decr", 0.4),
                                         ("stomach/stomach-pregnant-decr", 0.6))),
    "short_heavy_older_woman": BodyType("short, heavy older woman", gender=0.0, age_years=64, weight=0.95,
                                        height=0.36,
                                        details=(("stomach/stomach-pregnant-incr", 0.45),
                                                 ("torso/torso-scale-horiz-incr", 0.7),
                                                 ("torso/torso-scale-depth-incr", 0.6),
                                                 ("hip/hip-scale-horiz-incr", 0.7))),
    "muscular_man": BodyType("muscular man", gender=1.0, muscle=1.0, weight=0.65, height=0.56,
                             details=(("torso/torso-vshape-incr", 0.7), ("torso/torso-muscle-pectoral-incr", 0.5))),
    "heavy_older_man": BodyType("heavy older man", gender=1.0, age_years=68, weight=1.0,
                                details=(("stomach/stomach-pregnant-incr", 0.7), ("torso/torso-scale-horiz-incr", 0.6),
                                         ("torso/torso-scale-depth-incr", 0.8), ("hip/hip-scale-horiz-incr", 0.4))),
    "small_young_man": BodyType("small, light young man (teen-like proportions)", gender=1.0, age_years=18,
                                weight=0.25),
    "long_legged_woman": BodyType("average woman with long legs", gender=0.0, height=0.57, proportions=1.0),
}

#: Every body-type name :func:`load_body` accepts.
BODY_TYPES: tuple[str, ...] = tuple(BODY_TYPE_TABLE)

#: Face groups rendered: the skin and the two eyeballs.
RENDER_GROUPS = ("body", "helper-l-eye", "helper-r-eye")

#: Material slots of the rendered mesh (index = slot).
MATERIALS = ("skin", "shirt", "trousers", "socks", "hair", "eyes")


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _frame(y: np.ndarray, z_hint: np.ndarray) -> np.ndarray:
    """Rotation whose columns are x = y × z, y, z (z is the hint made orthogonal to y)."""
    y = _unit(y)
    z = _unit(z_hint - np.dot(z_hint, y) * y)
    x = np.cross(y, z)
    return np.stack([x, y, z], axis=1)


def _frame_x(y: np.ndarray, x_hint: np.ndarray) -> np.ndarray:
    """Rotation with columns x (the hint made orthogonal to y), y, z = x × y."""
    y = _unit(y)
    x = _unit(x_hint - np.dot(x_hint, y) * y)
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=1)


def _mirror(offset: np.ndarray) -> np.ndarray:
    return offset * np.array([-1.0, 1.0, 1.0])


@dataclass
class RenderedBody:
    """One body shape of the MakeHuman mesh, ready to be posed.

    Attributes (metres, the mesh's own rest pose, y up, facing +z, left = +x):
        vertices: (N, 3) shaped rest vertices (all OBJ vertices, helpers included).
        weights: (N, 21) skin weight of each segment of :data:`SEGMENTS` (rows sum to 1).
        joints: named mesh joints ("left_hip", "left_knee", ..., "nose", "left_ear").
        rest_alignment: segment -> ``C`` (3, 3), see the module docstring.
        rest_origin: segment -> ``J`` (3,), the segment's proximal joint on the mesh.
        proportions: the :class:`BodyProportions` measured from this mesh.
    """

    shape: str
    vertices: np.ndarray
    faces: np.ndarray
    face_groups: tuple[str, ...]
    weights: np.ndarray
    joints: dict[str, np.ndarray]
    rest_alignment: dict[str, np.ndarray]
    rest_origin: dict[str, np.ndarray]
    proportions: BodyProportions
    bone_joints: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)

    # ------------------------------------------------------------------ posing

    def segment_transforms(self, pose: BodyPose) -> tuple[np.ndarray, np.ndarray]:
        """(21, 3, 3) rotations ``A`` and (21, 3) translations ``t``: a segment point goes to ``A v + t``."""
        frames = segment_frames(pose, self.proportions)
        rot = np.empty((len(SEGMENTS), 3, 3))
        trans = np.empty((len(SEGMENTS), 3))
        for i, name in enumerate(SEGMENTS):
            a = frames[name].rotation @ self.rest_alignment[name].T
            rot[i] = a
            trans[i] = frames[name].origin - a @ self.rest_origin[name]
        return rot, trans

    def posed_vertices(self, pose: BodyPose, vertex_ids: np.ndarray | None = None) -> np.ndarray:
        """Linear-blend skinned vertices (N, 3) in scene metres for ``pose``."""
        rot, trans = self.segment_transforms(pose)
        verts = self.vertices if vertex_ids is None else self.vertices[vertex_ids]
        w = self.weights if vertex_ids is None else self.weights[vertex_ids]
        # per segment: (S, N, 3), then blend
        moved = np.einsum("sij,nj->sni", rot, verts) + trans[:, None, :]
        return np.einsum("ns,sni->ni", w, moved)

    def posed_joints(self, pose: BodyPose) -> dict[str, np.ndarray]:
        """Every named mesh joint moved rigidly with its segment (no blending)."""
        rot, trans = self.segment_transforms(pose)
        index = {name: i for i, name in enumerate(SEGMENTS)}
        return {
            name: rot[index[seg]] @ point + trans[index[seg]]
            for name, (seg, point) in self.bone_joints.items()
        }

    # ------------------------------------------------------------------ rendering helpers

    def render_mesh(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the renderer draws: (vertex ids into :attr:`vertices`, quads (F, 4)
        re-indexed to those ids, material slot per face (see :data:`MATERIALS`))."""
        return _render_mesh(self)


# ---------------------------------------------------------------------- building


def _segment_weights(assets: BodyAssets, n_vertices: int) -> np.ndarray:
    skel = assets.skeleton
    index = {name: i for i, name in enumerate(SEGMENTS)}
    weights = np.zeros((n_vertices, len(SEGMENTS)))
    for bone, (vids, w) in assets.weights.items():
        segment = next((SEGMENT_OF_BONE[b] for b in skel.ancestors(bone) if b in SEGMENT_OF_BONE), "pelvis")
        np.add.at(weights[:, index[segment]], vids, w)
    total = weights.sum(axis=1)
    unweighted = total <= 1e-9
    weights[unweighted, index["pelvis"]] = 1.0
    total[unweighted] = 1.0
    return weights / total[:, None]


def _face_points(v: np.ndarray, body_ids: np.ndarray, eye_ids: dict[str, np.ndarray],
                 ear_mid_hint: float) -> dict[str, np.ndarray]:
    """Nose tip, eyes (centre of the eyeball's front), eye corners and ears on the mesh."""
    pts = v[body_ids]
    out: dict[str, np.ndarray] = {}
    left_eye = v[eye_ids["left"]]
    eye_c = left_eye.mean(axis=0)
    radius = float(np.ptp(left_eye[:, 0])) / 2
    out["left_eye"] = np.array([eye_c[0], eye_c[1], left_eye[:, 2].max()])
    out["left_eye_inner"] = out["left_eye"] + np.array([-1.2 * radius, 0.0, -0.35 * radius])
    out["left_eye_outer"] = out["left_eye"] + np.array([1.2 * radius, 0.0, -0.5 * radius])
    # nose tip: most forward skin point near the midline, between eye and mouth level
    band = pts[(np.abs(pts[:, 0]) < 0.01) & (pts[:, 1] < eye_c[1]) & (pts[:, 1] > eye_c[1] - 0.08)]
    out["nose"] = band[np.argmax(band[:, 2])]
    # ear: the outermost skin between the eye level and 5 cm below it, centroid of its outer rim
    head = pts[(pts[:, 1] < eye_c[1] + 0.01) & (pts[:, 1] > eye_c[1] - 0.05) & (pts[:, 2] < eye_c[2])
               & (pts[:, 1] > ear_mid_hint)]
    outer = head[head[:, 0] > head[:, 0].max() - 0.012]
    out["left_ear"] = outer.mean(axis=0)
    return out


def _symmetric(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Average of a left point and the mirror image of its right twin."""
    return (left + _mirror(right)) / 2


def shaped_vertices(shape: str, assets: BodyAssets | None = None) -> np.ndarray:
    """Rest vertices (N, 3) in metres of the base mesh with a body type's macro targets applied."""
    if shape not in BODY_TYPE_TABLE:
        raise ValueError(f"unknown body shape {shape!r}; choose from {', '.join(BODY_TYPES)}")
    assets = assets or load_assets()
    v = assets.mesh.vertices.copy()
    for target, weight in BODY_TYPE_TABLE[shape].target_weights().items():
        if target not in assets.targets:
            raise ValueError(f"body shape {shape!r} needs the morph target {target!r}, which is not in "
                             f"the committed targets ({assets.directory}); rerun tools/extract_body_targets.py")
        ids, offsets = assets.targets[target]
        v[ids] += weight * offsets
    return v * MESH_UNIT_M


@lru_cache(maxsize=16)
def load_body(shape: str = "female") -> RenderedBody:
    """The MakeHuman body of a type from :data:`BODY_TYPES`, measured and aligned (cached)."""
    assets = load_assets()
    skel = assets.skeleton
    v = shaped_vertices(shape, assets)

    def head(bone: str) -> np.ndarray:
        return skel.head(v, bone)

    def tail(bone: str) -> np.ndarray:
        return skel.tail(v, bone)

    j: dict[str, np.ndarray] = {}
    for side, s, _ in SIDES:
        j[f"{side}_hip"] = head(f"upperleg01.{s}")
        j[f"{side}_knee"] = head(f"lowerleg01.{s}")
        j[f"{side}_ankle"] = head(f"foot.{s}")
        j[f"{side}_ball"] = np.mean([head(f"toe{k}-1.{s}") for k in range(1, 6)], axis=0)
        j[f"{side}_shoulder"] = head(f"upperarm01.{s}")
        j[f"{side}_elbow"] = head(f"lowerarm01.{s}")
        j[f"{side}_wrist"] = head(f"wrist.{s}")
        j[f"{side}_index"] = head(f"finger2-1.{s}")
        j[f"{side}_middle"] = head(f"finger3-1.{s}")
        j[f"{side}_pinky"] = head(f"finger5-1.{s}")
        j[f"{side}_thumb"] = head(f"finger1-2.{s}")
        j[f"{side}_fingertip"] = tail(f"finger3-3.{s}")
    j["mid_hip"] = (j["left_hip"] + j["right_hip"]) / 2
    j["mid_shoulder"] = (j["left_shoulder"] + j["right_shoulder"]) / 2

    mesh = assets.mesh
    body_ids = mesh.group_vertices("body")
    eye_ids = {"left": mesh.group_vertices("helper-l-eye"), "right": mesh.group_vertices("helper-r-eye")}
    face = _face_points(v, body_ids, eye_ids, ear_mid_hint=float(j["mid_shoulder"][1]))
    for name in ("eye", "eye_inner", "eye_outer", "ear"):
        j[f"left_{name}"] = face[f"left_{name}"]
        j[f"right_{name}"] = _mirror(face[f"left_{name}"])
    j["nose"] = face["nose"]
    j["mid_ear"] = (j["left_ear"] + j["right_ear"]) / 2

    # ---- rest alignment of every segment (columns: the segment's x, y, z on the mesh)
    forward = np.array([0.0, 0.0, 1.0])
    up = np.array([0.0, 1.0, 0.0])
    align: dict[str, np.ndarray] = {}
    origin: dict[str, np.ndarray] = {}
    align["pelvis"] = _frame_x(up, j["left_hip"] - j["right_hip"])
    origin["pelvis"] = j["mid_hip"]
    align["trunk"] = _frame_x(j["mid_shoulder"] - j["mid_hip"], j["left_shoulder"] - j["right_shoulder"])
    origin["trunk"] = j["mid_hip"]
    align["head"] = _frame_x(j["mid_ear"] - j["mid_shoulder"], j["left_ear"] - j["right_ear"])
    origin["head"] = j["mid_shoulder"]
    for side, _, _ in SIDES:
        hip, knee, ankle = j[f"{side}_hip"], j[f"{side}_knee"], j[f"{side}_ankle"]
        sh, el, wr = j[f"{side}_shoulder"], j[f"{side}_elbow"], j[f"{side}_wrist"]
        align[f"{side}_thigh"] = _frame(hip - knee, forward)
        align[f"{side}_shank"] = _frame(knee - ankle, forward)
        toe_dir = j[f"{side}_ball"] - ankle
        toe_dir[1] = 0.0
        align[f"{side}_foot"] = _frame(up, toe_dir)
        # Upper arm: z toward the (forward-bent) forearm, so x is the elbow's hinge axis.
        arm = _frame(sh - el, wr - el)
        align[f"{side}_upper_arm"] = arm
        align[f"{side}_forearm"] = _frame_x(el - wr, arm[:, 0])
        # Hand: y from the middle knuckle to the wrist, z toward the thumb side.
        align[f"{side}_hand"] = _frame(wr - j[f"{side}_middle"], j[f"{side}_index"] - j[f"{side}_pinky"])
        origin.update({
            f"{side}_thigh": hip, f"{side}_shank": knee, f"{side}_foot": ankle,
            f"{side}_upper_arm": sh, f"{side}_forearm": el, f"{side}_hand": wr,
        })

    # ---- proportions measured on the mesh (left and right averaged)
    def both(a: str, b: str) -> float:
        return float(np.mean([np.linalg.norm(j[f"{s}_{a}"] - j[f"{s}_{b}"]) for s, _, _ in SIDES]))

    def in_frame(segment: str, point: np.ndarray) -> np.ndarray:
        return align[segment].T @ (point - origin[segment])

    segment_weights = _segment_weights(assets, len(v))
    seg_of_vertex = np.argmax(segment_weights, axis=1)
    foot_offsets = []
    for side, _, _ in SIDES:
        ids = body_ids[seg_of_vertex[body_ids] == SEGMENTS.index(f"{side}_foot")]
        foot_offsets.append((v[ids] - j[f"{side}_ankle"]) @ align[f"{side}_foot"])
    foot = np.concatenate(foot_offsets)
    ankle_height = float(-foot[:, 1].min())
    heel_back = float(-foot[:, 2].min())
    toe_forward = float(foot[:, 2].max())

    head_seg = "head"
    ear_mid = j["mid_ear"]

    def head_offset(name: str) -> tuple[float, float, float]:
        off = align[head_seg].T @ (j[name] - ear_mid)
        return tuple(float(x) for x in off)  # type: ignore[return-value]

    def hand_offset(name: str) -> tuple[float, float, float]:
        left = in_frame("left_hand", j[f"left_{name}"])
        right = in_frame("right_hand", j[f"right_{name}"])
        return tuple(float(x) for x in _symmetric(left, right))  # type: ignore[return-value]

    height = float(v[body_ids, 1].max() - v[body_ids, 1].min())
    generic = BodyProportions.from_height(height)
    props = BodyProportions(
        height_m=height,
        hip_width_m=float(np.linalg.norm(j["left_hip"] - j["right_hip"])),
        thigh_m=both("hip", "knee"),
        shank_m=both("knee", "ankle"),
        ankle_height_m=ankle_height,
        heel_back_m=heel_back,
        toe_forward_m=toe_forward,
        torso_m=float(np.linalg.norm(j["mid_shoulder"] - j["mid_hip"])),
        shoulder_width_m=float(np.linalg.norm(j["left_shoulder"] - j["right_shoulder"])),
        neck_m=float(np.linalg.norm(ear_mid - j["mid_shoulder"])),
        upper_arm_m=both("shoulder", "elbow"),
        forearm_m=both("elbow", "wrist"),
        hand_m=both("wrist", "fingertip"),
        palm_width_m=both("index", "pinky"),
        nose=head_offset("nose"),
        eye_inner=head_offset("left_eye_inner"),
        eye=head_offset("left_eye"),
        eye_outer=head_offset("left_eye_outer"),
        ear=head_offset("left_ear"),
        mouth=generic.mouth,
        index_knuckle=hand_offset("index"),
        pinky_knuckle=hand_offset("pinky"),
        thumb=hand_offset("thumb"),
    )

    # Named joints with the segment that carries them (for the skeleton checks).
    bone_joints: dict[str, tuple[str, np.ndarray]] = {
        "mid_hip": ("pelvis", j["mid_hip"]),
        "mid_shoulder": ("trunk", j["mid_shoulder"]),
        "mid_ear": ("head", ear_mid),
        "nose": ("head", j["nose"]),
    }
    for side, _, _ in SIDES:
        bone_joints.update({
            f"{side}_hip": ("pelvis", j[f"{side}_hip"]),
            f"{side}_knee": (f"{side}_thigh", j[f"{side}_knee"]),
            f"{side}_knee@shank": (f"{side}_shank", j[f"{side}_knee"]),
            f"{side}_ankle": (f"{side}_shank", j[f"{side}_ankle"]),
            f"{side}_ankle@foot": (f"{side}_foot", j[f"{side}_ankle"]),
            f"{side}_shoulder": ("trunk", j[f"{side}_shoulder"]),
            f"{side}_elbow": (f"{side}_upper_arm", j[f"{side}_elbow"]),
            f"{side}_elbow@forearm": (f"{side}_forearm", j[f"{side}_elbow"]),
            f"{side}_wrist": (f"{side}_forearm", j[f"{side}_wrist"]),
            f"{side}_wrist@hand": (f"{side}_hand", j[f"{side}_wrist"]),
            f"{side}_ear": ("head", j[f"{side}_ear"]),
            f"{side}_eye": ("head", j[f"{side}_eye"]),
            f"{side}_index": (f"{side}_hand", j[f"{side}_index"]),
            f"{side}_pinky": (f"{side}_hand", j[f"{side}_pinky"]),
            f"{side}_thumb": (f"{side}_hand", j[f"{side}_thumb"]),
        })

    return RenderedBody(
        shape=shape,
        vertices=v,
        faces=mesh.faces,
        face_groups=mesh.face_groups,
        weights=segment_weights,
        joints=j,
        rest_alignment=align,
        rest_origin=origin,
        proportions=props,
        bone_joints=bone_joints,
    )


def mesh_rest_angles(body: RenderedBody) -> dict[str, float]:
    """How far the mesh's modelled rest pose is from the synthetic rest pose (degrees):
    a diagnostic for the report and the docs."""
    out = {}
    for name, c in body.rest_alignment.items():
        angle = math.degrees(math.acos(max(-1.0, min(1.0, (np.trace(c) - 1) / 2))))
        out[name] = round(angle, 1)
    return out


# ---------------------------------------------------------------------- materials


def _render_mesh(body: RenderedBody) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    groups = np.array(body.face_groups)
    keep = np.isin(groups, RENDER_GROUPS)
    quads = body.faces[keep]
    kept_groups = groups[keep]
    vertex_ids = np.unique(quads.ravel())
    remap = np.full(len(body.vertices), -1, dtype=np.int64)
    remap[vertex_ids] = np.arange(len(vertex_ids))
    faces = remap[quads]

    # Clothing is decided on the body in the synthetic rest pose (standing, arms down).
    rest = body.posed_vertices(BodyPose(pelvis_position=(0.0, body.proportions.standing_hip_height_m, 0.0)),
                               vertex_ids)
    w = body.weights[vertex_ids]
    seg = {name: w[:, i] for i, name in enumerate(SEGMENTS)}
    p = body.proportions
    hip_y = p.standing_hip_height_m
    waist_y = hip_y + 0.30 * p.torso_m
    arm = sum(seg[f"{s}_{part}"] for s, _, _ in SIDES for part in ("upper_arm", "forearm", "hand"))
    upper_arm = seg["left_upper_arm"] + seg["right_upper_arm"]
    head_w = seg["head"]
    y = rest[:, 1]
    vertex_mat = np.zeros(len(vertex_ids), dtype=np.int64)  # skin
    trunk_like = (arm < 0.5) & (head_w < 0.5)
    vertex_mat[trunk_like & (y >= waist_y)] = MATERIALS.index("shirt")
    vertex_mat[(arm >= 0.5) & (upper_arm >= 0.5)] = MATERIALS.index("shirt")
    vertex_mat[trunk_like & (y < waist_y) & (y > p.ankle_height_m + 0.05)] = MATERIALS.index("trousers")
    vertex_mat[trunk_like & (y <= p.ankle_height_m + 0.05)] = MATERIALS.index("socks")
    # Hair: the top and back of the head.
    ear_y = hip_y + p.torso_m + p.neck_m
    ear_z = 0.0
    hair = (head_w >= 0.5) & ((y > ear_y + 0.075) | ((y > ear_y - 0.03) & (rest[:, 2] < ear_z - 0.035)))
    vertex_mat[hair] = MATERIALS.index("hair")
    # a face takes the most common material of its four corners
    corner = vertex_mat[faces]
    counts = np.stack([(corner == m).sum(axis=1) for m in range(len(MATERIALS))], axis=1)
    face_mat = np.argmax(counts, axis=1)
    face_mat[np.isin(kept_groups, ("helper-l-eye", "helper-r-eye"))] = MATERIALS.index("eyes")
    return vertex_ids, faces, face_mat


__all__ = [
    "BODY_TYPES",
    "BODY_TYPE_TABLE",
    "MATERIALS",
    "RENDER_GROUPS",
    "SEGMENTS",
    "SEGMENT_OF_BONE",
    "SHAPES",
    "BodyType",
    "RenderedBody",
    "load_body",
    "mesh_rest_angles",
    "shaped_vertices",
]
