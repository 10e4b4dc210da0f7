"""Scripts of the sample clips: what the rendered person does, when, seen from where.

A clip is a list of phases, each ending on a pose: ``move`` phases interpolate the
joint angles from the previous pose (smoothstep easing), ``hold`` phases stay on
their pose with a slight breathing sway. Every clip goes: neutral -> into the
stretch -> correct hold -> one typical mistake held for a few seconds -> corrected
-> hold.

Rendering is planned per output frame (:data:`FPS` frames a second): a frame in a
move is rendered on its own; a held pose is rendered once every
:data:`HOLD_RENDER_INTERVAL_S` and the frames between two such renders are
cross-fades of the two (the poses differ by a degree or so of sway, so the blend
is a clean picture of the pose half-way). The ground truth of every frame is the
pose shown in it: the render's pose, or for a cross-fade the pose interpolated
with the same weight.

The poses are the seed poses of :mod:`coachlab.synthetic.seed_poses` for the mesh's
own proportions (right side; the left side is the mirror image), plus lift poses
used only on the way in (so the crossing foot passes above the other knee
instead of through it). The downward dog keeps both hands planted where the
tabletop put them and every pose is lowered until the lowest of hands, knees and
feet touches the floor (mesh, not skeleton), so nothing sinks into the floor.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from coach.landmarks import PoseLandmark as L
from coachlab.rendered.rig import SEGMENTS, RenderedBody, load_body
from coachlab.rendered.scene import Box, chair_boxes, mat_box
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyPose, Camera, joint_positions
from coachlab.synthetic.sequences import interpolate_poses

#: Output frame rate of the sample videos.
FPS = 12.0
#: Rendered picture size (width, height).
IMAGE_SIZE = (480, 360)
#: A held pose is rendered once per this many seconds (cross-faded in between).
HOLD_RENDER_INTERVAL_S = 1.0
#: Cycles samples per picture (denoised).
SAMPLES = 8
#: Breathing: period (s) and amplitudes (degrees) of the sway in holds.
BREATH_PERIOD_S = 4.0


@dataclass(frozen=True)
class Phase:
    name: str  #: "neutral", "into", "correct", "mistake", "corrected", ...
    kind: str  #: "move" or "hold"
    duration_s: float
    pose: BodyPose  #: the pose at the end of the phase
    #: The pose at the end breaks no gate by construction: the hold should count it while
    #: it is held (the intended truth, independent of the checks; :meth:`ClipSpec.intended_at`).
    counts: bool = False

    def mirrored(self) -> "Phase":
        return dataclasses.replace(self, pose=self.pose.mirrored())


@dataclass(frozen=True)
class ClipSpec:
    clip_id: str
    stretch_id: str
    side: str | None
    shape: str
    view: str
    camera_height_m: float
    yaw_offset_deg: float
    phases: tuple[Phase, ...]
    look: dict
    mistake_check: str  #: the check the mistake phase is meant to fail
    boxes: tuple[Box, ...] = ()
    sway: Callable[[BodyPose, float], BodyPose] | None = None
    fix: Callable[[BodyPose], BodyPose] | None = None  #: contact fix applied to every pose
    description: str = ""
    #: Horizontal distance of the lens from the person (moved back if they would not fit);
    #: None: as close as the framing allows.
    camera_distance_m: float | None = None

    @property
    def duration_s(self) -> float:
        return sum(p.duration_s for p in self.phases)

    @property
    def frame_count(self) -> int:
        return int(math.floor(self.duration_s * FPS + 1e-9))

    def phase_bounds(self) -> list[tuple[Phase, float, float]]:
        out, t = [], 0.0
        for phase in self.phases:
            out.append((phase, t, t + phase.duration_s))
            t += phase.duration_s
        return out

    def phase_at(self, t: float) -> tuple[Phase, float, float, BodyPose]:
        """The phase containing ``t``, its bounds and the pose it starts from."""
        previous = self.phases[0].pose
        bounds = self.phase_bounds()
        for phase, t0, t1 in bounds:
            if t < t1 - 1e-9 or phase is bounds[-1][0]:
                return phase, t0, t1, previous
            previous = phase.pose
        raise AssertionError("unreachable")

    def pose_at(self, t: float) -> BodyPose:
        """The scripted pose at time ``t`` (before the contact fix)."""
        phase, t0, t1, start = self.phase_at(t)
        u = min(max((t - t0) / phase.duration_s, 0.0), 1.0)
        if phase.kind == "move":
            eased = u * u * (3 - 2 * u)
            return interpolate_poses(start, phase.pose, eased)
        pose = phase.pose
        if self.sway is not None:
            # whole breaths inside the hold, zero at both ends so moves join smoothly
            breaths = max(1, round(phase.duration_s / BREATH_PERIOD_S))
            pose = self.sway(pose, math.sin(math.pi * breaths * u) * math.sin(math.pi * u) ** 0.5)
        return pose

    def intended_at(self, t: float) -> bool | None:
        """Whether the hold should count at ``t`` by the script's intent: in a hold, whether
        its pose counts; None in a move (a pose in between, which the stretch file's own
        checks on the exact joints decide: see :mod:`coachlab.rendered.truth`)."""
        phase = self.phase_at(t)[0]
        return phase.counts if phase.kind == "hold" else None

    def shown_pose(self, t: float) -> BodyPose:
        pose = self.pose_at(t)
        return self.fix(pose) if self.fix is not None else pose


@dataclass(frozen=True)
class RenderJob:
    clip_id: str
    index: int
    time_s: float
    shape: str
    pose: BodyPose
    camera: Camera
    boxes: tuple[Box, ...]
    look: dict
    samples: int = SAMPLES

    def spec(self) -> dict:
        """A JSON description; a cached render is reused only when it is identical."""
        spec = {
            "clip": self.clip_id,
            "index": self.index,
            "time_s": round(self.time_s, 4),
            "shape": self.shape,
            "pose": _pose_dict(self.pose),
            "camera": {"position": [round(v, 5) for v in self.camera.position],
                       "target": [round(v, 5) for v in self.camera.target],
                       "vertical_fov_deg": self.camera.vertical_fov_deg,
                       "image_size": list(self.camera.image_size)},
            "boxes": [dataclasses.asdict(b) for b in self.boxes],
            "look": self.look,
            "samples": self.samples,
        }
        return json.loads(json.dumps(spec))  # tuples -> lists, as read back from a file


@dataclass(frozen=True)
class FramePlan:
    """What output frame ``index`` shows: render ``a`` blended with render ``b`` by ``weight``."""

    index: int
    time_s: float
    render_a: int
    render_b: int
    weight: float  #: 0 -> only a, 1 -> only b
    pose: BodyPose  #: the pose shown (ground truth)
    phase: str


def _pose_dict(pose: BodyPose) -> dict:
    out = {}
    for f in dataclasses.fields(pose):
        value = getattr(pose, f.name)
        out[f.name] = [round(v, 5) for v in value] if f.name == "pelvis_position" else round(value, 4)
    return out


#: How far two solved poses (``_pose_dict``) may differ and still draw the same picture. The
#: poses come out of iterative solvers whose last digits depend on the machine's maths
#: library: an AMD and an Intel CPU gave different 4th decimals for many crossed-leg poses
#: (2026-12-06), so exact comparison called unchanged poses changed on another machine.
ANGLE_TOLERANCE_DEG = 0.01
LENGTH_TOLERANCE_M = 1e-4


def pose_numbers(data: dict) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A pose dict's joint angles (degrees, in key order) and pelvis position (metres)."""
    angles = tuple(float(data[k]) for k in sorted(data) if k != "pelvis_position")
    return angles, tuple(float(v) for v in data["pelvis_position"])


def same_numbers(a: Sequence[float], b: Sequence[float], tolerance: float) -> bool:
    return len(a) == len(b) and bool(np.allclose(a, b, rtol=0.0, atol=tolerance))


def same_pose(a: dict, b: dict) -> bool:
    """Two pose dicts with the same joints, equal within the solvers' machine-to-machine noise."""
    if sorted(a) != sorted(b):
        return False
    (angles_a, lengths_a), (angles_b, lengths_b) = pose_numbers(a), pose_numbers(b)
    return (same_numbers(angles_a, angles_b, ANGLE_TOLERANCE_DEG)
            and same_numbers(lengths_a, lengths_b, LENGTH_TOLERANCE_M))


def pose_from_dict(data: dict) -> BodyPose:
    return BodyPose(**{k: (tuple(v) if k == "pelvis_position" else v) for k, v in data.items()})


# ---------------------------------------------------------------------- poses


_LEG = ("hip_flexion_deg", "hip_abduction_deg", "hip_external_rotation_deg", "knee_flexion_deg",
        "ankle_dorsiflexion_deg")


def _right_leg(pose: BodyPose, *angles: float) -> BodyPose:
    return pose.side("right", **dict(zip(_LEG, angles)))


def figure_four_lifts(p) -> tuple[BodyPose, BodyPose]:
    """On the way into the figure-4: the right knee pulled up high with the heel folded
    toward the buttock, then the shin turned across above the left knee (so the foot
    passes over the other leg, not through it)."""
    base = sp.figure_four_knee_lifted(p)
    return _right_leg(base, 140.0, 10.0, 10.0, 145.0, 0.0), _right_leg(base, 130.0, 25.0, 85.0, 130.0, 0.0)


def twist_lifts(p) -> tuple[BodyPose, BodyPose]:
    """On the way into the twist: the right knee pulled up, then carried across in the air
    so the foot comes down outside the left knee."""
    base = sp.piriformis_twist_untwisted(p)
    return _right_leg(base, 135.0, 0.0, 0.0, 125.0, -10.0), _right_leg(base, 130.0, -38.0, 16.0, 105.0, -30.0)


def _seated_sway(pose: BodyPose, s: float) -> BodyPose:
    return pose.replace(
        trunk_flexion_deg=pose.trunk_flexion_deg + 1.2 * s,
        trunk_side_bend_deg=pose.trunk_side_bend_deg + 0.6 * s,
        neck_flexion_deg=pose.neck_flexion_deg - 1.5 * s,
        left_shoulder_flexion_deg=pose.left_shoulder_flexion_deg + 1.0 * s,
        right_shoulder_flexion_deg=pose.right_shoulder_flexion_deg + 1.0 * s,
    )


def _dog_sway(pose: BodyPose, s: float) -> BodyPose:
    return pose.replace(
        neck_flexion_deg=pose.neck_flexion_deg + 2.0 * s,
        left_hip_flexion_deg=pose.left_hip_flexion_deg + 1.0 * s,
        right_hip_flexion_deg=pose.right_hip_flexion_deg + 1.0 * s,
        trunk_flexion_deg=pose.trunk_flexion_deg - 0.8 * s,
    )


def _contact_fix(body: RenderedBody, anchor: np.ndarray) -> Callable[[BodyPose], BodyPose]:
    """Keep the hands planted at ``anchor`` (x, z of the mid-wrist) and put the lowest
    point of the hands, knees and feet of the *mesh* on the floor."""
    seg_index = [SEGMENTS.index(s) for s in SEGMENTS if s.endswith(("_hand", "_foot", "_shank"))]
    dominant = np.argmax(body.weights, axis=1)
    ids, _, _ = body.render_mesh()
    contact_ids = ids[np.isin(dominant[ids], seg_index)]

    def fix(pose: BodyPose) -> BodyPose:
        pts = joint_positions(pose, body.proportions)
        wrist = (pts[L.LEFT_WRIST] + pts[L.RIGHT_WRIST]) / 2
        x, y, z = pose.pelvis_position
        pose = pose.replace(pelvis_position=(x + anchor[0] - wrist[0], y, z + anchor[1] - wrist[2]))
        low = float(body.posed_vertices(pose, contact_ids)[:, 1].min())
        x, y, z = pose.pelvis_position
        return pose.replace(pelvis_position=(x, y - low, z))

    return fix


def seat_height(body: RenderedBody) -> float:
    """Top of the chair seat for this body: just under the sitting buttocks and thighs
    (about 1 cm into the flesh, as on a padded seat)."""
    pose = sp.seated_neutral(body.proportions)
    ids, _, _ = body.render_mesh()
    w = body.weights[ids]
    lower = w[:, SEGMENTS.index("pelvis")] + w[:, SEGMENTS.index("left_thigh")] + w[:, SEGMENTS.index("right_thigh")]
    verts = body.posed_vertices(pose, ids[lower > 0.5])
    near = verts[verts[:, 2] < 0.15]
    return float(np.percentile(near[:, 1], 3)) + 0.012


# ---------------------------------------------------------------------- the clips

_LOOKS = {
    "A": dict(skin=(0.80, 0.60, 0.48), shirt=(0.10, 0.42, 0.48), trousers=(0.06, 0.06, 0.08), socks=(0.85, 0.85, 0.85),
              hair=(0.12, 0.07, 0.04), wall=(0.78, 0.75, 0.70), floor=(0.45, 0.33, 0.22)),
    "B": dict(skin=(0.55, 0.36, 0.24), shirt=(0.62, 0.12, 0.12), trousers=(0.12, 0.14, 0.25), socks=(0.15, 0.15, 0.15),
              hair=(0.05, 0.04, 0.03), wall=(0.70, 0.74, 0.76), floor=(0.55, 0.50, 0.45)),
    "C": dict(skin=(0.86, 0.68, 0.56), shirt=(0.75, 0.58, 0.15), trousers=(0.22, 0.22, 0.24), socks=(0.9, 0.9, 0.9),
              hair=(0.30, 0.18, 0.08), wall=(0.82, 0.80, 0.74), floor=(0.38, 0.28, 0.20)),
    "D": dict(skin=(0.35, 0.22, 0.15), shirt=(0.20, 0.35, 0.20), trousers=(0.10, 0.10, 0.12), socks=(0.8, 0.8, 0.8),
              hair=(0.03, 0.03, 0.03), wall=(0.74, 0.72, 0.78), floor=(0.50, 0.42, 0.34)),
    "E": dict(skin=(0.72, 0.52, 0.40), shirt=(0.30, 0.30, 0.55), trousers=(0.08, 0.08, 0.08), socks=(0.2, 0.2, 0.2),
              hair=(0.10, 0.06, 0.03), wall=(0.80, 0.78, 0.72), floor=(0.42, 0.36, 0.30)),
}


def _look(name: str, key_angle: float, key_energy: float = 260.0) -> dict:
    base = _LOOKS[name]
    colours = {k: base[k] for k in ("skin", "shirt", "trousers", "socks", "hair")}
    colours.update(eyes=(0.12, 0.08, 0.06), wood=(0.36, 0.22, 0.12), mat=(0.35, 0.25, 0.55))
    return {
        "colours": colours,
        "wall": base["wall"],
        "floor": base["floor"],
        "wall_distance_m": 2.2,
        # (angle from the camera direction, distance, height, watts)
        "key": (key_angle, 3.0, 2.6, key_energy),
        "fill": (-key_angle * 1.6, 3.5, 1.6, 90.0),
        "sky": (0.85, 0.88, 0.95),
        "sky_strength": 0.25,
    }


def _mirror_phases(phases: Sequence[Phase]) -> tuple[Phase, ...]:
    return tuple(ph.mirrored() for ph in phases)


def _chair_clip(clip_id: str, stretch_id: str, side: str, shape: str, look: str, key_angle: float,
                yaw: float, phases_for: Callable[[object], list[Phase]], mistake: str, description: str) -> ClipSpec:
    body = load_body(shape)
    phases = phases_for(body.proportions)
    if side == "left":
        phases = list(_mirror_phases(phases))
    boxes = tuple(chair_boxes(body.proportions, seat_height(body)))
    return ClipSpec(clip_id, stretch_id, side, shape, "front", 0.9, yaw, tuple(phases), _look(look, key_angle),
                    mistake, boxes, sway=_seated_sway, description=description)


def _script(neutral: BodyPose, into: Sequence[tuple[float, BodyPose, bool]], correct: BodyPose, mistake: BodyPose,
            correct_s: float = 6.5) -> list[Phase]:
    """The one story every clip tells: neutral, into the stretch, hold it, drift into
    the typical mistake for a few seconds, correct it, hold again. Every mistake of
    these clips is a depth target (how far), so the hold counts through it;
    ``into`` gives each step's seconds, pose and whether that pose counts."""
    return [
        Phase("neutral", "hold", 1.5, neutral),
        *(Phase("into", "move", seconds, pose, counts) for seconds, pose, counts in into),
        Phase("correct", "hold", correct_s, correct, True),
        Phase("to_mistake", "move", 1.0, mistake, True),
        Phase("mistake", "hold", 3.5, mistake, True),
        Phase("correcting", "move", 1.0, correct, True),
        Phase("corrected", "hold", 5.0, correct, True),
    ]


def _twist_phases(p) -> list[Phase]:
    correct, untwisted = sp.piriformis_twist(p), sp.piriformis_twist_untwisted(p)
    lift_a, lift_b = twist_lifts(p)
    into = [(1.0, lift_a, False), (1.0, lift_b, False), (0.9, untwisted, True), (1.2, correct, True)]
    return _script(sp.seated_neutral(p), into, correct, untwisted)


def _figure_four_phases(p) -> list[Phase]:
    correct = sp.figure_four(p)
    lift_a, lift_b = figure_four_lifts(p)
    into = [(1.0, lift_a, False), (0.9, lift_b, False), (0.9, correct, True)]
    return _script(sp.seated_neutral(p), into, correct, sp.figure_four_knee_lifted(p))


def _downward_dog_clip() -> ClipSpec:
    body = load_body("female")
    p = body.proportions
    table = sp.tabletop(p)
    pts = joint_positions(table, p)
    anchor = ((pts[L.LEFT_WRIST] + pts[L.RIGHT_WRIST]) / 2)[[0, 2]]
    fix = _contact_fix(body, anchor)
    dog, bent = sp.downward_dog(p), sp.downward_dog_knees_bent(p)
    phases = tuple(_script(table, [(2.5, dog, True)], dog, bent, correct_s=7.0))
    # the mat under the whole body: from the hands back past the feet
    feet = joint_positions(fix(dog), p)
    z_lo = float(min(feet[L.LEFT_FOOT_INDEX, 2], feet[L.LEFT_HEEL, 2])) - 0.25
    z_hi = float(anchor[1]) + 0.30
    boxes = (mat_box(0.0, (z_lo + z_hi) / 2, z_hi - z_lo),)
    return ClipSpec("downward_dog", "downward_dog", None, "female", "side_left", 0.5, 0.0, phases,
                    _look("E", -35.0, 300.0), "knees_straight", boxes, sway=_dog_sway, fix=fix,
                    description="Tabletop, into downward dog, hold; knees bent for a few seconds "
                                "('Straighten your knees'); straightened; hold. Side view from the left.")


@lru_cache(maxsize=1)
def clip_specs() -> dict[str, ClipSpec]:
    """Every sample clip by id."""
    specs = [
        _downward_dog_clip(),
        _chair_clip("seated_piriformis_twist_right", "seated_piriformis_twist", "right", "female", "A", 35.0, 3.0,
                    _twist_phases, "trunk_turned",
                    "Seated neutral, right leg crossed over (foot outside the left knee), chest turned right, hold; "
                    "chest turned back to the front for a few seconds; turned again; hold. Front view."),
        _chair_clip("seated_piriformis_twist_left", "seated_piriformis_twist", "left", "male", "B", -35.0, -3.0,
                    _twist_phases, "trunk_turned",
                    "The mirror image: left leg crossed over, chest turned left; the mistake is the chest "
                    "turned back to the front. Front view."),
        _chair_clip("seated_figure_four_right", "seated_figure_four", "right", "male", "D", 35.0, -4.0,
                    _figure_four_phases, "knee_pressed_down",
                    "Seated neutral, right ankle lifted onto the left knee, right knee dropped, hold; right knee "
                    "lifted high for a few seconds; dropped again; hold. Front view."),
        _chair_clip("seated_figure_four_left", "seated_figure_four", "left", "female", "C", -35.0, 4.0,
                    _figure_four_phases, "knee_pressed_down",
                    "The mirror image: left ankle on the right knee; the mistake is the left knee lifted high. "
                    "Front view."),
    ]
    from coachlab.rendered.varied_clips import varied_clip_specs

    specs.extend(varied_clip_specs())
    return {s.clip_id: s for s in specs}


# ---------------------------------------------------------------------- planning


def framing_camera(pts: np.ndarray, view: str, height_m: float, yaw_offset_deg: float,
                   image_size: tuple[int, int] = IMAGE_SIZE, fill: float = 0.78) -> Camera:
    """A camera at ``view`` (lens ``height_m`` above the floor, turned ``yaw_offset_deg``)
    as close as it can be while the joints ``pts`` (N, 3), plus the top of the head and
    the floor under them, span at most ``fill`` of the picture."""
    from coachlab.synthetic.body import project

    lo, hi = pts.min(axis=0), pts.max(axis=0)
    top = hi[1] + 0.13  # the crown above the eyes and ears
    extra = [[x, y, z] for x in (lo[0], hi[0]) for y in (0.0, top) for z in (lo[2], hi[2])]
    pts = np.concatenate([pts, np.asarray(extra)])
    target = np.array([(lo[0] + hi[0]) / 2, top / 2, (lo[2] + hi[2]) / 2])

    def camera(distance: float) -> Camera:
        return Camera.around(target, view, distance, height_m, yaw_offset_deg, image_size=image_size)

    def span(distance: float) -> float:
        img, _ = project(pts, camera(distance))
        return float(max(np.ptp(img[:, 0]), np.ptp(img[:, 1])))

    near, far = 0.8, 15.0
    for _ in range(50):
        mid = (near + far) / 2
        if span(mid) > fill:
            near = mid
        else:
            far = mid
    return camera(far)


def clip_camera(spec: ClipSpec, image_size: tuple[int, int] = IMAGE_SIZE, fill: float = 0.78) -> Camera:
    """One fixed camera for the whole clip: the lens at the stretch's recommended view and
    height, as close as it can be while every pose of the clip (joints, plus the top of
    the head and the floor under the feet) spans at most ``fill`` of the picture."""
    body = load_body(spec.shape)
    times = np.linspace(0.0, spec.duration_s, 40)
    pts = np.concatenate([joint_positions(spec.shown_pose(float(t)), body.proportions) for t in times])
    if spec.camera_distance_m is not None:
        return camera_at_distance(pts, spec.view, spec.camera_height_m, spec.camera_distance_m, spec.yaw_offset_deg,
                                  image_size)
    return framing_camera(pts, spec.view, spec.camera_height_m, spec.yaw_offset_deg, image_size, fill)


def camera_at_distance(pts: np.ndarray, view: str, height_m: float, distance_m: float, yaw_deg: float,
                       image_size: tuple[int, int] = IMAGE_SIZE) -> Camera:
    """The lens at ``height_m``, ``distance_m`` (horizontal, from the middle of the joints
    ``pts``) and ``yaw_deg`` off ``view``; moved back if the person (joints, top of the
    head, the floor under them) would not fit in the picture."""
    from coachlab.synthetic.body import project

    lo, hi = pts.min(axis=0), pts.max(axis=0)
    top = hi[1] + 0.13
    target = np.array([(lo[0] + hi[0]) / 2, top / 2, (lo[2] + hi[2]) / 2])
    extra = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (0.0, top) for z in (lo[2], hi[2])])
    distance = distance_m
    for _ in range(20):
        camera = Camera.around(target, view, distance, height_m, yaw_deg, image_size=image_size)
        img, inside = project(np.concatenate([pts, extra]), camera)
        if inside.all() and img[:, 0].min() > 0.02 and img[:, 0].max() < 0.98:
            return camera
        distance += 0.15
    return camera


def _render_times(spec: ClipSpec) -> list[float]:
    """Times of the distinct renders: every frame of a move, every interval of a hold."""
    times: set[float] = set()
    for phase, t0, t1 in spec.phase_bounds():
        first = math.ceil(t0 * FPS - 1e-9)
        last = min(math.floor(t1 * FPS - 1e-9), spec.frame_count - 1)
        if phase.kind == "move":
            times.update(round(k / FPS, 6) for k in range(first, last + 1))
        else:
            n = max(1, round((t1 - t0) / HOLD_RENDER_INTERVAL_S))
            times.update(round(t0 + (t1 - t0) * i / n, 6) for i in range(n + 1))
    end = (spec.frame_count - 1) / FPS
    return sorted(t for t in times if t <= end + 1e-9)


@lru_cache(maxsize=8)
def plan_clip(clip_id: str) -> tuple[list[RenderJob], list[FramePlan]]:
    """The renders of a clip and, for each output frame, which render(s) it shows."""
    spec = clip_specs()[clip_id]
    camera = clip_camera(spec)
    times = _render_times(spec)
    poses = [spec.shown_pose(t) for t in times]
    jobs = [RenderJob(clip_id, i, t, spec.shape, pose, camera, spec.boxes, spec.look) for i, (t, pose) in
            enumerate(zip(times, poses))]
    frames = []
    arr = np.asarray(times)
    for k in range(spec.frame_count):
        t = k / FPS
        phase = spec.phase_at(t)[0]
        i = int(np.searchsorted(arr, t - 1e-6))
        if i < len(arr) and abs(arr[i] - t) < 1e-5:
            frames.append(FramePlan(k, t, i, i, 0.0, poses[i], phase.name))
            continue
        a, b = i - 1, min(i, len(arr) - 1)
        w = (t - arr[a]) / (arr[b] - arr[a]) if b != a else 0.0
        frames.append(FramePlan(k, t, a, b, float(w), interpolate_poses(poses[a], poses[b], w), phase.name))
    return jobs, frames


def doc_image_jobs() -> list[RenderJob]:
    """One picture of each stretch's correct pose from its recommended view (640x480, 32 samples)."""
    out = []
    for clip_id, stretch_id in (("downward_dog", "downward_dog"),
                                ("seated_piriformis_twist_right", "seated_piriformis_twist"),
                                ("seated_figure_four_right", "seated_figure_four")):
        spec = clip_specs()[clip_id]
        camera = clip_camera(spec, image_size=(640, 480))
        correct = next(ph for ph in spec.phases if ph.name == "correct").pose
        pose = spec.fix(correct) if spec.fix else correct
        out.append(RenderJob(f"docs_{stretch_id}", 0, 0.0, spec.shape, pose, camera, spec.boxes, spec.look, samples=32))
    return out


def render_jobs(only: Sequence[str] | None = None) -> list[RenderJob]:
    """Every render of every clip (and the doc pictures, as clip ids ``docs_<stretch>``)."""
    jobs: list[RenderJob] = []
    for clip_id in clip_specs():
        if only and clip_id not in only:
            continue
        jobs.extend(plan_clip(clip_id)[0])
    for job in doc_image_jobs():
        if not only or job.clip_id in only or "docs" in only:
            jobs.append(job)
    return jobs


def plan_digest(clip_id: str) -> str:
    jobs, _ = plan_clip(clip_id)
    blob = json.dumps([j.spec() for j in jobs], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


__all__ = ["ClipSpec", "FPS", "FramePlan", "IMAGE_SIZE", "Phase", "RenderJob", "camera_at_distance", "clip_camera",
           "clip_specs", "framing_camera",
           "doc_image_jobs", "figure_four_lifts", "plan_clip", "plan_digest", "pose_from_dict", "render_jobs",
           "seat_height", "twist_lifts"]
