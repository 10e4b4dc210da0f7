"""How people really do the seed stretches: correct executions and typical mistakes, sampled over ranges.

The accuracy stills of :mod:`coachlab.synthetic.variants` show *one* correct pose per
stretch; checks tuned on it failed people who did the stretch right but a little
differently (issue 13: a correct twist with the foot 10 cm outside the knee was
rejected every time). This module samples each stretch's correct execution over the
range real people show and each typical mistake over its own range, for the wide
render set (:mod:`coachlab.rendered.wide`). Poses are written for the RIGHT side
working (mirror for the left), on a chair whose seat is ``chair_m`` high, with the
hip joints ``hip_above_seat_m`` above it (the mesh's own value for a rendered body).

Truth rules
-----------
Every *kind* (the correct execution or one mistake) lists the check intents it
breaks (:attr:`Kind.breaks`): check ids of the stretch's file, or ``back_rounded``,
which has no check yet. A sampled pose is **correct** (the hold should count) when
none of the intents it breaks is a gate of the stretch file (role = "gate"; an
intent without a check counts as a gate: it is a form mistake the coach cannot yet
see). Depth shortfalls (a twist that is small or absent, very bent knees in the
dog while ``knees_straight`` is a depth target) are correct-for-counting; their kind
says which depth target falls short. :func:`is_correct` applies the rule to today's
``poses/*.toml`` (read with ``tomllib``, so it works without the app's packages).

Ranges (all sampled uniformly, stratified so each range's ends are reached):

* Seated twist, correct: trunk turned 15-45°, the working ankle 3-25 cm outside the
  other knee (lateral offset of the ankle joint from the other knee's joint centre,
  along the hip line), 6 cm behind to 3 cm ahead of it, ball of the foot on the
  floor with the heel 0-7 cm up, trunk flexed 0-15° (tall to slightly slumped),
  hands: one on the crossed knee, the other on the seat behind or on the chair
  back; chair 40-50 cm. Mistakes: foot on its own side (8-20 cm on the working side
  of the other knee; breaks ``foot_outside_knee``), foot in line with the knee (0-3
  cm on the working side; breaks ``foot_outside_knee``), slumped badly (trunk
  flexed 30-45°; ``sitting_tall``), standing up (``seated``, ``foot_outside_knee``);
  no twist (0-6°; ``trunk_turned``, ``chest_turned``: depth only).
* Figure-4, correct: the crossed ankle resting on top of the other thigh 0-15 cm
  from the knee towards the hip, the crossed knee 10 cm below to 12 cm above its
  hip (the shin then lies 0-30° from level), trunk flexed 0-12°. Mistakes: not
  crossed (both feet on the floor; ``shin_level``, ``ankle_on_knee``,
  ``ankle_not_below_knee``), ankle on the other shin 12-25 cm below the knee
  (``ankle_not_below_knee``, ``ankle_on_knee``), ankle on the middle of the thigh
  22-30 cm from the knee (``ankle_on_knee``), standing up on the other leg
  (``seated``, ``ankle_on_knee``).
* Downward dog, correct: hip angle (trunk to thigh) 60-100°, knees 150-180°,
  elbows 160-180°, back rounded 0-12°, heels 0-8 cm off the floor, shoulders
  flexed 165-180°. Mistakes: knees very bent (110-138°; ``knees_straight``), hips
  dropped towards a plank (hip angle 135-160°, shoulders 110-130°;
  ``hips_highest``, ``inverted_v``), elbows bent (110-130°; ``arms_straight``),
  rounded back (30-40° of spine flexion with the hip angle kept at 80-86°, head
  tucked; ``back_rounded``), feet too close (hip angle 25-40°;
  ``inverted_v``, ``feet_back``),
  still on hands and knees (``hips_highest``, ``inverted_v``).

Extra kinds (`EXTRA_KINDS`), rendered outside the wide set's plan
(:mod:`coachlab.rendered.extra_ways`): a twist turned 15-45° the wrong way (towards the
supporting leg; ``not_turned_away``, and short of the depth targets), a twist with the
supporting knee brought in 5-12° (the supporting hip adducted before its foot is planted and
the crossed foot placed), a twist with the supporting shin upright (0-12° forward; the wide set
leans it 28°), a figure-4 leaning forward from the hips 20-40°, a figure-4 with the
supporting shin leaning 15-35° back (the foot tucked under the chair) or forward (the foot out
in front).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from coach.landmarks import PoseLandmark as L
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyPose, BodyProportions, joint_positions
from coachlab.synthetic.variants import STANDING_FORWARD_M

POSES_DIR = Path(__file__).resolve().parents[2] / "poses"
#: Chair seat heights sampled (metres).
CHAIR_RANGE_M = (0.40, 0.50)
#: Intents with no check in the stretch files yet (counted as gates: form mistakes).
UNCHECKED_INTENTS = frozenset({"back_rounded"})
#: The supporting shin in the twist leans this far forward (its foot clear of the crossed one).
TWIST_SUPPORT_LEAN_DEG = 28.0

Range = tuple[float, float]


@dataclass(frozen=True)
class Kind:
    """One way of doing a stretch: the correct execution or one typical mistake."""

    stretch_id: str
    name: str
    breaks: tuple[str, ...]  #: check intents it breaks (empty: the correct execution)
    ranges: Mapping[str, Range]  #: sampled parameters
    support: str  #: "chair", "feet", "hands_and_feet" or "hands_and_knees"
    choices: Mapping[str, tuple[str, ...]] = None  # type: ignore[assignment]

    @property
    def weight_bearing(self) -> str:
        return self.support


@dataclass(frozen=True)
class Sample:
    """A sampled pose (right side working, not yet placed on the mesh) and its truth."""

    stretch_id: str
    kind: str
    breaks: tuple[str, ...]
    params: dict[str, float | str]  #: the sampled parameters (and derived ones, e.g. shin angle)
    pose: BodyPose
    support: str


_TWIST = "seated_piriformis_twist"
_F4 = "seated_figure_four"
_DOG = "downward_dog"

_TWIST_BASE: dict[str, Range] = {
    "chair_m": CHAIR_RANGE_M, "twist_deg": (15.0, 45.0), "foot_out_cm": (3.0, 25.0), "foot_fore_cm": (-6.0, 3.0),
    "heel_lift_cm": (0.0, 7.0), "trunk_flexion_deg": (0.0, 15.0),
}
_F4_BASE: dict[str, Range] = {
    "chair_m": CHAIR_RANGE_M, "ankle_along_cm": (0.0, 15.0), "knee_above_hip_cm": (-10.0, 12.0),
    "trunk_flexion_deg": (0.0, 12.0),
}
_DOG_BASE: dict[str, Range] = {
    "hip_angle_deg": (60.0, 100.0), "knee_angle_deg": (150.0, 180.0), "elbow_angle_deg": (160.0, 180.0),
    "spine_flexion_deg": (0.0, 12.0), "heel_lift_cm": (0.0, 8.0), "shoulder_flexion_deg": (165.0, 180.0),
}
_HANDS = {"hands": ("knee", "chair_back")}

KINDS: tuple[Kind, ...] = (
    Kind(_TWIST, "correct", (), _TWIST_BASE, "chair", _HANDS),
    Kind(_TWIST, "no twist", ("trunk_turned", "chest_turned"), {**_TWIST_BASE, "twist_deg": (0.0, 6.0)}, "chair",
         _HANDS),
    Kind(_TWIST, "foot on its own side", ("foot_outside_knee",),
         {**_TWIST_BASE, "foot_out_cm": (-20.0, -8.0)}, "chair", _HANDS),
    Kind(_TWIST, "foot in line with the knee", ("foot_outside_knee",),
         {**_TWIST_BASE, "foot_out_cm": (-3.0, 0.0), "foot_fore_cm": (-8.0, -4.0)}, "chair", _HANDS),
    Kind(_TWIST, "slumped", ("sitting_tall",), {**_TWIST_BASE, "trunk_flexion_deg": (30.0, 45.0)}, "chair", _HANDS),
    Kind(_TWIST, "standing up", ("seated", "foot_outside_knee"),
         {"twist_deg": (15.0, 45.0), "stand_bend_deg": (5.0, 20.0)}, "feet"),
    Kind(_F4, "correct", (), _F4_BASE, "chair"),
    Kind(_F4, "leg not crossed", ("shin_level", "ankle_on_knee", "ankle_not_below_knee"),
         {"chair_m": CHAIR_RANGE_M, "trunk_flexion_deg": (0.0, 12.0), "working_knee_deg": (75.0, 100.0)}, "chair"),
    Kind(_F4, "ankle on the shin", ("ankle_not_below_knee", "ankle_on_knee"),
         {"chair_m": CHAIR_RANGE_M, "ankle_down_shin_cm": (12.0, 25.0), "trunk_flexion_deg": (0.0, 12.0)}, "chair"),
    Kind(_F4, "ankle on the middle of the thigh", ("ankle_on_knee",),
         {**_F4_BASE, "ankle_along_cm": (22.0, 30.0), "knee_above_hip_cm": (-4.0, 12.0)}, "chair"),
    Kind(_F4, "standing up", ("seated", "ankle_on_knee"), {"stand_bend_deg": (5.0, 20.0)}, "feet"),
    Kind(_DOG, "correct", (), _DOG_BASE, "hands_and_feet"),
    Kind(_DOG, "knees very bent", ("knees_straight",),
         {**_DOG_BASE, "knee_angle_deg": (110.0, 138.0), "hip_angle_deg": (50.0, 80.0), "heel_lift_cm": (0.0, 5.0)},
         "hands_and_feet"),
    Kind(_DOG, "hips dropped", ("hips_highest", "inverted_v"),
         {**_DOG_BASE, "hip_angle_deg": (135.0, 160.0), "shoulder_flexion_deg": (110.0, 130.0),
          "spine_flexion_deg": (0.0, 5.0), "heel_lift_cm": (4.0, 12.0)}, "hands_and_feet"),
    Kind(_DOG, "elbows bent", ("arms_straight",), {**_DOG_BASE, "elbow_angle_deg": (110.0, 130.0)}, "hands_and_feet"),
    Kind(_DOG, "rounded back", ("back_rounded",),
         {**_DOG_BASE, "spine_flexion_deg": (30.0, 40.0), "hip_angle_deg": (80.0, 86.0),
          "shoulder_flexion_deg": (150.0, 170.0), "neck_flexion_deg": (10.0, 25.0)}, "hands_and_feet"),
    Kind(_DOG, "feet too close", ("inverted_v", "feet_back"), {**_DOG_BASE, "hip_angle_deg": (25.0, 40.0)},
         "hands_and_feet"),
    Kind(_DOG, "hands and knees", ("hips_highest", "inverted_v"),
         {"thigh_lean_deg": (-10.0, 10.0), "trunk_flexion_deg": (-5.0, 10.0)}, "hands_and_knees"),
)


#: Ways of doing a stretch that the wide set's plan does not sample, each rendered on its own
#: (`coachlab.rendered.extra_ways`, ``tools/render_samples.py extra``) to look for holes like
#: the wrong side. They are kept out of `KINDS`: a kind added to the plan would move every other
#: still's body and camera draws.
EXTRA_KINDS: tuple[Kind, ...] = (
    # turned towards the supporting leg: the turn falls short (depth) and the chest faces the wrong way (a gate)
    Kind(_TWIST, "turned the wrong way", ("trunk_turned", "chest_turned", "not_turned_away"),
         {**_TWIST_BASE, "twist_deg": (-45.0, -15.0)}, "chair", _HANDS),
    # the supporting hip adducted: its knee brought in towards the middle, the foot still planted
    Kind(_TWIST, "supporting knee in", (), {**_TWIST_BASE, "knee_in_deg": (5.0, 12.0)}, "chair", _HANDS),
    # the supporting foot right under its knee (the wide set leans that shin 28 degrees forward)
    Kind(_TWIST, "supporting shin upright", (), {**_TWIST_BASE, "support_lean_deg": (0.0, 12.0)}, "chair", _HANDS),
    # looking back over the shoulder the twist turns towards, as many instructions say
    Kind(_TWIST, "looking over the shoulder", (), {**_TWIST_BASE, "head_turn_deg": (25.0, 50.0)}, "chair", _HANDS),
    # the crossed foot set down further forward (beside the supporting shin) or further back than
    # the wide set's (within a few cm of the supporting knee's line), still outside that knee
    Kind(_TWIST, "crossed foot forward", (), {**_TWIST_BASE, "foot_fore_cm": (8.0, 22.0)}, "chair", _HANDS),
    Kind(_TWIST, "crossed foot back", (), {**_TWIST_BASE, "foot_fore_cm": (-18.0, -8.0)}, "chair", _HANDS),
    # a common way to deepen the figure-4: hinging forward from the hips, back straight
    Kind(_F4, "leaning forward", (), {**_F4_BASE, "trunk_flexion_deg": (20.0, 40.0)}, "chair"),
    # how people rest the supporting foot: tucked back under the chair, or out in front
    Kind(_F4, "supporting foot tucked back", (), {**_F4_BASE, "support_lean_deg": (-35.0, -15.0)}, "chair"),
    Kind(_F4, "supporting foot forward", (), {**_F4_BASE, "support_lean_deg": (15.0, 35.0)}, "chair"),
    # the wide set's hands hold the crossed ankle and knee; people also rest them on the seat beside the hips
    Kind(_F4, "hands on the seat", (), _F4_BASE, "chair", {"arms": ("seat",)}),
    Kind(_F4, "one hand on the knee", (), _F4_BASE, "chair", {"arms": ("knee",)}),
    # the wide set's two wrong crossings, with the hands as above: does the clearer view also let them pass?
    Kind(_F4, "ankle on the shin, one hand on the knee", ("ankle_not_below_knee", "ankle_on_knee"),
         {"chair_m": CHAIR_RANGE_M, "ankle_down_shin_cm": (12.0, 25.0), "trunk_flexion_deg": (0.0, 12.0)}, "chair",
         {"arms": ("knee",)}),
    Kind(_F4, "ankle on the middle of the thigh, one hand on the knee", ("ankle_on_knee",),
         {**_F4_BASE, "ankle_along_cm": (22.0, 30.0), "knee_above_hip_cm": (-4.0, 12.0)}, "chair", {"arms": ("knee",)}),
    # tight calves and hamstrings: heels well off the floor, knees a little more bent (knees_straight is depth)
    Kind(_DOG, "heels high", (), {**_DOG_BASE, "heel_lift_cm": (10.0, 18.0), "knee_angle_deg": (140.0, 165.0)},
         "hands_and_feet"),
    # the head lifted to look forward at the room instead of hanging between the arms
    Kind(_DOG, "looking forward", (), {**_DOG_BASE, "neck_flexion_deg": (-35.0, -15.0)}, "hands_and_feet"),
    # "walking the dog": one knee bent towards the floor, its heel up, the other leg as it was
    Kind(_DOG, "one knee bent", (), {**_DOG_BASE, "pedal_knee_angle_deg": (115.0, 140.0)}, "hands_and_feet"),
)


def kinds(stretch_id: str) -> tuple[Kind, ...]:
    out = tuple(k for k in KINDS if k.stretch_id == stretch_id)
    if not out:
        raise KeyError(f"no pose variety for {stretch_id!r}")
    return out


def kind(stretch_id: str, name: str) -> Kind:
    """A kind of the wide plan or of `EXTRA_KINDS`."""
    found = [k for k in KINDS + EXTRA_KINDS if k.stretch_id == stretch_id and k.name == name]
    if not found:
        raise KeyError(f"no kind {name!r} of {stretch_id!r}")
    return found[0]


# ---------------------------------------------------------------------- truth


@lru_cache(maxsize=8)
def check_roles(stretch_id: str, poses_dir: Path = POSES_DIR) -> dict[str, str]:
    """Check id -> role ("gate"/"depth") from the stretch file (``role``, else the older
    ``required``: false means depth; a gate when neither is given, as the app reads it)."""
    path = poses_dir / f"{stretch_id}.toml"
    data = tomllib.loads(path.read_text())
    out = {}
    for c in data.get("checks", []):
        role = c.get("role") or ("depth" if c.get("required") is False else "gate")
        out[c["id"]] = role
    return out


def is_correct(stretch_id: str, breaks: tuple[str, ...], roles: Mapping[str, str] | None = None) -> bool:
    """The truth rule: correct (the hold counts) unless an intent it breaks is a gate
    (an intent with no check counts as a gate)."""
    roles = roles if roles is not None else check_roles(stretch_id)
    return not any(roles.get(b, "gate") == "gate" for b in breaks)


def broken_gates(stretch_id: str, breaks: tuple[str, ...], roles: Mapping[str, str] | None = None) -> list[str]:
    roles = roles if roles is not None else check_roles(stretch_id)
    return [b for b in breaks if roles.get(b, "gate") == "gate"]


# ---------------------------------------------------------------------- small solvers


def _bisect(f: Callable[[float], float], lo: float, hi: float, iterations: int = 40) -> float:
    f_lo = f(lo)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if (f_lo <= 0) == (f_mid <= 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (lo + hi) / 2


def _solve(build: Callable[[np.ndarray], BodyPose], x0: list[float], residual: Callable[[BodyPose], np.ndarray],
           prior_weight: float = 1 / 40.0, iterations: int = 60) -> np.ndarray:
    """Levenberg-Marquardt over a few angles, pulled gently towards ``x0`` (so the
    solution stays the natural one when the targets leave freedom)."""
    x_ref = np.asarray(x0, dtype=float)

    def res(v: np.ndarray) -> np.ndarray:
        return np.concatenate([residual(build(v)), (v - x_ref) * prior_weight])

    x = x_ref.copy()
    r = res(x)
    cost = float(r @ r)
    damping = 1e-2
    for _ in range(iterations):
        jac = np.empty((len(r), len(x)))
        for k in range(len(x)):
            d = np.zeros_like(x)
            d[k] = 1e-3
            jac[:, k] = (res(x + d) - r) / 1e-3
        jtj = jac.T @ jac
        while True:
            step = -np.linalg.solve(jtj + damping * np.diag(np.diag(jtj) + 1e-9), jac.T @ r)
            r_new = res(x + step)
            if float(r_new @ r_new) < cost:
                x, r, cost = x + step, r_new, float(r_new @ r_new)
                damping = max(damping / 3, 1e-7)
                break
            damping *= 4
            if damping > 1e8:
                return x
        if np.abs(step).max() < 1e-4:
            break
    return x


def plant_foot(pose: BodyPose, p: BodyProportions, side: str, lean_deg: float | None = None) -> BodyPose:
    """Bend the knee (shin leaning forward) and the ankle so this foot stands flat on the
    floor, the hip flexion as given; if the floor is out of reach with the shin
    vertical (a high chair), the thigh slopes down instead. With ``lean_deg`` the shin
    leans that far forward and the hip flexion is solved instead (the knee rises on a
    low chair)."""
    up = side.upper()
    heel, toe, ankle = L[f"{up}_HEEL"], L[f"{up}_FOOT_INDEX"], L[f"{up}_ANKLE"]

    def flat(q: BodyPose) -> BodyPose:
        def tilt(d: float) -> float:
            pts = joint_positions(q.side(side, ankle_dorsiflexion_deg=d), p)
            return float(pts[heel, 1] - pts[toe, 1])
        return q.side(side, ankle_dorsiflexion_deg=_bisect(tilt, -60.0, 60.0))

    def ankle_gap(q: BodyPose) -> float:
        return float(joint_positions(q, p)[ankle, 1]) - p.ankle_height_m

    hip = getattr(pose, f"{side}_hip_flexion_deg")
    if lean_deg is not None:
        def lean_gap(h: float) -> float:
            return ankle_gap(pose.side(side, hip_flexion_deg=h, knee_flexion_deg=h - pose.pelvis_pitch_deg - lean_deg))
        h = _bisect(lean_gap, 130.0, 45.0)
        return flat(pose.side(side, hip_flexion_deg=h, knee_flexion_deg=h - pose.pelvis_pitch_deg - lean_deg))
    # knee flexion that puts the shin vertical (lowest ankle)
    vertical = hip - pose.pelvis_pitch_deg
    q = pose.side(side, knee_flexion_deg=vertical)
    if ankle_gap(q) > 0:  # out of reach: lower the thigh, shin vertical
        def gap(h: float) -> float:
            return ankle_gap(pose.side(side, hip_flexion_deg=h, knee_flexion_deg=h - pose.pelvis_pitch_deg))
        h = _bisect(gap, hip, hip - 40.0)
        return flat(pose.side(side, hip_flexion_deg=h, knee_flexion_deg=h - pose.pelvis_pitch_deg))
    k = _bisect(lambda k: ankle_gap(pose.side(side, knee_flexion_deg=k)), vertical - 70.0, vertical)
    return flat(pose.side(side, knee_flexion_deg=k))


def _wrist_to(pose: BodyPose, p: BodyProportions, side: str, target: np.ndarray, x0: list[float],
              **extra: float) -> BodyPose:
    wrist = L[f"{side.upper()}_WRIST"]

    def build(v: np.ndarray) -> BodyPose:
        return pose.side(side, shoulder_flexion_deg=v[0], shoulder_abduction_deg=v[1],
                         elbow_flexion_deg=max(0.0, v[2]), **extra)

    v = _solve(build, x0, lambda q: (joint_positions(q, p)[wrist] - target) / 0.01, prior_weight=1 / 200.0)
    return build(v)


# ---------------------------------------------------------------------- seated twist


def _seat_pelvis(p: BodyProportions, chair_m: float, hip_above_seat_m: float | None) -> tuple[float, float, float]:
    above = sp.HIP_ABOVE_SEAT * p.height_m if hip_above_seat_m is None else hip_above_seat_m
    return (0.0, chair_m + above, 0.0)


def _twist(p: BodyProportions, v: dict, hip_above_seat_m: float | None) -> tuple[BodyPose, dict]:
    h = p.height_m
    base = sp.piriformis_twist(p).replace(pelvis_position=_seat_pelvis(p, v["chair_m"], hip_above_seat_m),
                                          trunk_twist_deg=-v["twist_deg"], trunk_flexion_deg=v["trunk_flexion_deg"])
    if v.get("head_turn_deg"):  # looking over the shoulder: the head turned further, the same way
        base = base.replace(neck_rotation_deg=-float(v["head_turn_deg"]))
    if v.get("knee_in_deg"):  # the supporting knee brought in towards the middle (a variant kind)
        base = base.side("left", hip_abduction_deg=base.left_hip_abduction_deg - float(v["knee_in_deg"]))
    base = plant_foot(base, p, "left", lean_deg=float(v.get("support_lean_deg", TWIST_SUPPORT_LEAN_DEG)))
    pts0 = joint_positions(base, p)
    lknee = pts0[L.LEFT_KNEE]
    crossed = v["foot_out_cm"] > 0
    x0 = [94.5, -29.0, 16.0, 80.0, -32.0] if crossed else [92.0, -8.0, 10.0, 80.0, -25.0]
    knee_up = 0.06 * h if crossed else 0.01 * h

    def build(x: np.ndarray) -> BodyPose:
        return base.side("right", hip_flexion_deg=x[0], hip_abduction_deg=x[1], hip_external_rotation_deg=x[2],
                         knee_flexion_deg=x[3], ankle_dorsiflexion_deg=x[4])

    def residual(q: BodyPose) -> np.ndarray:
        j = joint_positions(q, p)
        ankle, heel, toe, rknee = j[L.RIGHT_ANKLE], j[L.RIGHT_HEEL], j[L.RIGHT_FOOT_INDEX], j[L.RIGHT_KNEE]
        foot = toe - heel
        out = [
            (ankle[0] - (lknee[0] + v["foot_out_cm"] / 100)) / 0.005,
            (ankle[2] - (lknee[2] + v["foot_fore_cm"] / 100)) / 0.01,
            toe[1] / 0.003,
            (heel[1] - v["heel_lift_cm"] / 100) / 0.005,
            (math.degrees(math.atan2(foot[0], foot[2])) + (-20.0 if crossed else 0.0)) / 8.0,
        ]
        if crossed:
            out.append((rknee[1] - (lknee[1] + knee_up)) / 0.02)
        return np.asarray(out)

    pose = build(_solve(build, x0, residual))
    j = joint_positions(pose, p)
    seat_y = v["chair_m"]
    if v["hands"] == "chair_back":
        right_target = np.array([j[L.RIGHT_HIP][0] - 0.03, seat_y + 0.36, 0.12 - 0.44 + 0.03])
        extra = {"forearm_pronation_deg": 90.0, "wrist_extension_deg": 20.0}
    else:
        right_target = np.array([j[L.RIGHT_HIP][0] - 0.02 * h, seat_y + 0.01 * h, -0.13 * h])
        extra = {"forearm_pronation_deg": 90.0, "wrist_extension_deg": 60.0}
    pose = _wrist_to(pose, p, "right", right_target, [-29.5, 6.5, 44.0], **extra)
    j = joint_positions(pose, p)
    pose = _wrist_to(pose, p, "left", j[L.RIGHT_KNEE] + np.array([-0.035 * h, 0.01 * h, 0.0]), [14.0, 4.0, 43.0])
    j = joint_positions(pose, p)
    derived = {"foot_out_measured_cm": round(float(j[L.RIGHT_ANKLE][0] - j[L.LEFT_KNEE][0]) * 100, 1)}
    return pose, derived


def _stand_up(pose: BodyPose, p: BodyProportions, bend: float, *sides: str) -> BodyPose:
    from coachlab.synthetic.body import grounded

    for side in sides:
        pose = pose.side(side, hip_flexion_deg=bend, hip_abduction_deg=0.0, hip_external_rotation_deg=0.0,
                         knee_flexion_deg=bend, ankle_dorsiflexion_deg=0.0)
    x, y, z = pose.pelvis_position
    soles = (L.LEFT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)
    return grounded(pose.replace(pelvis_position=(x, y, z + STANDING_FORWARD_M)), p, contacts=soles)


# ---------------------------------------------------------------------- figure-4


def _f4_leg(base: BodyPose, p: BodyProportions, target: np.ndarray, knee_y: float | None,
            x0: list[float]) -> BodyPose:
    def build(x: np.ndarray) -> BodyPose:
        return base.side("right", hip_flexion_deg=x[0], hip_abduction_deg=x[1], hip_external_rotation_deg=x[2],
                         knee_flexion_deg=x[3], ankle_dorsiflexion_deg=0.0)

    def residual(q: BodyPose) -> np.ndarray:
        j = joint_positions(q, p)
        out = list((j[L.RIGHT_ANKLE] - target) / 0.005)
        if knee_y is not None:
            out.append((j[L.RIGHT_KNEE][1] - knee_y) / 0.005)
        return np.asarray(out)

    return build(_solve(build, x0, residual))


def _f4_arms(pose: BodyPose, p: BodyProportions, hold_ankle: bool = True) -> BodyPose:
    """The crossed (right) knee's own hand on it; the other hand holding the crossed ankle (the
    seed's pose, the wide set's) or, with ``hold_ankle`` false, left for the caller to place."""
    h = p.height_m
    j = joint_positions(pose, p)
    if hold_ankle:
        pose = _wrist_to(pose, p, "left", j[L.RIGHT_ANKLE] + np.array([0, 0.035 * h, 0]), [24.0, -9.5, 52.0],
                         forearm_pronation_deg=90.0)
    return _wrist_to(pose, p, "right", j[L.RIGHT_KNEE] + np.array([0, 0.035 * h, 0]), [41.5, 9.5, 0.5],
                     forearm_pronation_deg=90.0)


def _arms_on_seat(pose: BodyPose, p: BodyProportions, seat_y: float, sides: tuple[str, ...] = ("left", "right")
                  ) -> BodyPose:
    """Hands flat on the seat a hand's width outside each hip, a little in front of it."""
    h = p.height_m
    j = joint_positions(pose, p)
    outward = np.sign(j[L.LEFT_HIP][0] - j[L.RIGHT_HIP][0])
    for side in sides:
        sign = outward if side == "left" else -outward
        hip = j[L[f"{side.upper()}_HIP"]]
        target = np.array([hip[0] + sign * 0.07 * h, seat_y + 0.01 * h, hip[2] + 0.03 * h])
        pose = _wrist_to(pose, p, side, target, [5.0, 12.0, 10.0], forearm_pronation_deg=90.0,
                         wrist_extension_deg=70.0)
    return pose


def _figure_four(p: BodyProportions, v: dict, hip_above_seat_m: float | None, on: str) -> tuple[BodyPose, dict]:
    h = p.height_m
    base = sp.seated_neutral(p).replace(pelvis_position=_seat_pelvis(p, v["chair_m"], hip_above_seat_m),
                                        trunk_flexion_deg=v["trunk_flexion_deg"])
    # the supporting foot flat on the floor, under the knee (or, when a value is given, with its shin
    # leaning forward, the foot out in front, or back, the foot tucked under the chair)
    base = plant_foot(base, p, "left", v.get("support_lean_deg"))
    j = joint_positions(base, p)
    lknee, lhip, lankle = j[L.LEFT_KNEE], j[L.LEFT_HIP], j[L.LEFT_ANKLE]
    if on == "thigh":
        along = lknee - lhip
        along[1] = 0.0
        along /= np.linalg.norm(along)
        target = lknee + np.array([0.0, sp.FIGURE_FOUR_ANKLE_UP * h, 0.0]) - v["ankle_along_cm"] / 100 * along
        knee_y = j[L.RIGHT_HIP][1] + v["knee_above_hip_cm"] / 100
        pose = _f4_leg(base, p, target, knee_y, [90.0, 25.0, 103.0, 116.0])
    else:  # resting on the front of the other shin
        down = (lankle - lknee) / np.linalg.norm(lankle - lknee)
        target = lknee + v["ankle_down_shin_cm"] / 100 * down + np.array([0.0, 0.0, 0.045 * h])
        pose = _f4_leg(base, p, target, None, [60.0, 25.0, 90.0, 100.0])
    if v.get("arms") == "seat":
        pose = _arms_on_seat(pose, p, v["chair_m"])
    elif v.get("arms") == "knee":  # the crossed knee pressed by its own hand, the other hand on the seat
        pose = _arms_on_seat(_f4_arms(pose, p, hold_ankle=False), p, v["chair_m"], ("left",))
    else:  # the wide set's: one hand holds the crossed ankle, the other rests on the crossed knee
        pose = _f4_arms(pose, p)
    j = joint_positions(pose, p)
    d = j[L.RIGHT_ANKLE] - j[L.RIGHT_KNEE]
    shin = math.degrees(math.atan2(d[1], math.hypot(d[0], d[2])))
    return pose, {"shin_from_level_deg": round(shin, 1),
                  "knee_above_hip_measured_cm": round(float(j[L.RIGHT_KNEE][1] - j[L.RIGHT_HIP][1]) * 100, 1)}


# ---------------------------------------------------------------------- downward dog


def _dog(p: BodyProportions, v: dict) -> BodyPose:
    spine = v["spine_flexion_deg"]
    hip_flexion = 180.0 - v["hip_angle_deg"] - spine
    knee = 180.0 - v["knee_angle_deg"]
    elbow = 180.0 - v["elbow_angle_deg"]
    neck = -10.0 + v.get("neck_flexion_deg", 0.0)

    def with_dorsi(d: float) -> BodyPose:
        def at(pitch: float) -> BodyPose:
            pose = BodyPose(pelvis_position=(0.0, 0.0, 0.0), pelvis_pitch_deg=pitch, trunk_flexion_deg=spine,
                            neck_flexion_deg=neck)
            leg = {"hip_flexion_deg": hip_flexion, "knee_flexion_deg": knee, "ankle_dorsiflexion_deg": d,
                       "shoulder_flexion_deg": v["shoulder_flexion_deg"], "shoulder_abduction_deg": 3.0,
                       "elbow_flexion_deg": elbow, "forearm_pronation_deg": 90.0}
            return pose.side("left", **leg).side("right", **leg)
        return sp._on_hands_and_feet(p, at)

    def lift_error(d: float) -> float:
        j = joint_positions(with_dorsi(d), p)
        return float(j[L.LEFT_HEEL, 1] - j[L.LEFT_FOOT_INDEX, 1]) - v["heel_lift_cm"] / 100

    # secant on the dorsiflexion: heels the sampled height above the toes
    d0, d1 = 10.0, 30.0
    e0, e1 = lift_error(d0), lift_error(d1)
    for _ in range(6):
        if abs(e1) < 0.002 or e1 == e0:
            break
        d0, d1, e0 = d1, float(np.clip(d1 - e1 * (d1 - d0) / (e1 - e0), -30.0, 60.0)), e1
        e1 = lift_error(d1)
    pose = with_dorsi(d1)
    if "pedal_knee_angle_deg" in v:
        pose = _pedal(pose, p, 180.0 - float(v["pedal_knee_angle_deg"]))
    return pose


def _pedal(pose: BodyPose, p: BodyProportions, knee_flexion: float) -> BodyPose:
    """One knee bent towards the floor with its toes where they were ("walking the dog"): the left
    leg's hip flexes and its ankle points (the heel lifts) so that the bent leg's toes stay put."""
    toe = joint_positions(pose, p)[L.LEFT_FOOT_INDEX]
    x0 = [pose.left_hip_flexion_deg, pose.left_ankle_dorsiflexion_deg]

    def build(x: np.ndarray) -> BodyPose:
        return pose.side("left", hip_flexion_deg=float(x[0]), knee_flexion_deg=knee_flexion,
                         ankle_dorsiflexion_deg=float(x[1]))

    return build(_solve(build, x0, lambda q: (joint_positions(q, p)[L.LEFT_FOOT_INDEX][1:] - toe[1:]) / 0.005))


def _hands_and_knees(p: BodyProportions, v: dict) -> BodyPose:
    pose = sp.tabletop(p)
    lean = v["thigh_lean_deg"]
    pose = pose.replace(trunk_flexion_deg=v["trunk_flexion_deg"])
    for side in ("left", "right"):
        pose = pose.side(side, hip_flexion_deg=getattr(pose, f"{side}_hip_flexion_deg") + lean)
    return pose


# ---------------------------------------------------------------------- sampling


def build_pose(stretch_id: str, kind_name: str, p: BodyProportions, values: Mapping[str, float | str],
               hip_above_seat_m: float | None = None) -> tuple[BodyPose, dict]:
    """The pose of a kind for the given parameter values (right side working) and any
    derived measurements (e.g. the shin's angle)."""
    v = dict(values)
    if stretch_id == _TWIST:
        if kind_name == "standing up":
            seated = sp.piriformis_twist(p).replace(trunk_twist_deg=-v["twist_deg"])
            return _stand_up(seated, p, v["stand_bend_deg"], "left", "right"), {}
        return _twist(p, v, hip_above_seat_m)
    if stretch_id == _F4:
        if kind_name == "standing up":
            return _stand_up(sp.figure_four(p), p, v["stand_bend_deg"], "left"), {}
        if kind_name == "leg not crossed":
            pose = sp.seated_neutral(p).replace(pelvis_position=_seat_pelvis(p, v["chair_m"], hip_above_seat_m),
                                                trunk_flexion_deg=v["trunk_flexion_deg"])
            pose = plant_foot(plant_foot(pose, p, "left"), p, "right")
            return pose, {}
        return _figure_four(p, v, hip_above_seat_m, "shin" if kind_name.startswith("ankle on the shin") else "thigh")
    if stretch_id == _DOG:
        if kind_name == "hands and knees":
            return _hands_and_knees(p, v), {}
        return _dog(p, v), {}
    raise KeyError(stretch_id)


def stratified_values(k: Kind, index: int, count: int, seed: int) -> dict[str, float | str]:
    """The parameter values of the ``index``-th of ``count`` samples of a kind: each
    parameter's range cut into ``count`` strata, visited in a parameter-specific
    shuffled order (a Latin hypercube), jittered inside its stratum by ``seed``; so
    over the samples of a kind every range is covered up to its ends."""
    rng = np.random.default_rng(seed)
    out: dict[str, float | str] = {}
    for name, (lo, hi) in sorted(k.ranges.items()):
        key = sum(ord(c) * (31 ** i) for i, c in enumerate(f"{k.stretch_id}/{k.name}/{name}")) % (2**32)
        order = np.random.default_rng(key).permutation(count)
        stratum = int(order[index % count])
        u = (stratum + float(rng.uniform())) / count
        out[name] = round(lo + (hi - lo) * u, 3)
    for name, options in sorted((k.choices or {}).items()):
        out[name] = options[(index + seed) % len(options)]
    return out


def sample(stretch_id: str, kind_name: str, p: BodyProportions, index: int, count: int, seed: int,
           hip_above_seat_m: float | None = None) -> Sample:
    """The ``index``-th of ``count`` stratified samples of a kind, for a body."""
    k = kind(stretch_id, kind_name)
    values = stratified_values(k, index, count, seed)
    pose, derived = build_pose(stretch_id, kind_name, p, values, hip_above_seat_m)
    return Sample(stretch_id, kind_name, k.breaks, {**values, **derived}, pose, k.support)


__all__ = [
    "CHAIR_RANGE_M",
    "KINDS",
    "POSES_DIR",
    "UNCHECKED_INTENTS",
    "EXTRA_KINDS",
    "Kind",
    "Sample",
    "broken_gates",
    "build_pose",
    "check_roles",
    "is_correct",
    "kind",
    "kinds",
    "plant_foot",
    "sample",
    "stratified_values",
]
