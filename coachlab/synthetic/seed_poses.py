"""Reference poses for the seed stretches of a sciatica (piriformis) routine.

Every function takes a :class:`BodyProportions` and returns a :class:`BodyPose` for
the RIGHT side as the working side; the left-side version is ``pose.mirrored()``.
The proportions are needed so that the chair and the floor are met (feet flat on
the floor, hands and feet on the mat): the joint angles themselves are plain
numbers, shared by every body.

The angles of the crossed legs and the reaching arms were found with the small
least-squares search at the bottom of this module (``python -m
coachlab.synthetic.seed_poses`` re-runs it and prints the numbers) over all the
presets at once, then rounded to 0.5 degrees and written in here, so a pose is
defined by its numbers and not by an optimiser. The downward dog and the tabletop
solve their pelvis pitch and height at call time, because "hands and feet on the
floor" is a contact condition that has to hold for every body.

Chair model: the pelvis sits so that, with thighs horizontal and shins vertical,
the feet are flat on the floor; the hip joint centre is then at ankle height +
shank (~0.28 H) and the seat surface ~0.025 H below it (~0.26 H, knee height).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from coach.landmarks import PoseLandmark as L
from coachlab.synthetic.body import (
    BodyPose,
    BodyProportions,
    joint_positions,
    rot_x,
    segment_frames,
)

#: Hip joint centre above the chair seat, as a fraction of height.
HIP_ABOVE_SEAT = 0.025
#: Where the crossed ankle rests in the figure-4, relative to the supporting
#: knee joint centre, as fractions of height: up (top of the knee plus the ankle's
#: own radius) and back toward the hip (on the thigh just above the knee).
FIGURE_FOUR_ANKLE_UP = 0.05
FIGURE_FOUR_ANKLE_BACK = 0.03
#: Height of the knee joint centre above the floor when kneeling (patella + condyle).
KNEELING_KNEE_HEIGHT = 0.03


def seated_hip_height(p: BodyProportions) -> float:
    """Hip joint centre height on the chair: shins vertical, feet flat, thighs horizontal."""
    return p.ankle_height_m + p.shank_m


def chair_seat_height(p: BodyProportions) -> float:
    """Top of the chair seat (~0.26 H, about knee height) for this body."""
    return seated_hip_height(p) - HIP_ABOVE_SEAT * p.height_m


def figure_four_ankle_target(points: np.ndarray, p: BodyProportions) -> np.ndarray:
    """Where the crossed (right) ankle should rest in the figure-4: just above the
    left knee, on top of the leg and slightly toward the left thigh. ``points`` are
    scene joint positions (33, 3) of the same pose.
    """
    knee = points[L.LEFT_KNEE]
    hip = points[L.LEFT_HIP]
    along = knee - hip
    along[1] = 0.0
    along = along / max(float(np.linalg.norm(along)), 1e-9)
    return knee + np.array([0.0, FIGURE_FOUR_ANKLE_UP * p.height_m, 0.0]) - (
        FIGURE_FOUR_ANKLE_BACK * p.height_m
    ) * along


# --------------------------------------------------------------------------- seated


def _seated_base(p: BodyProportions) -> BodyPose:
    """Sitting tall on the chair, thighs horizontal, knees at 90, feet flat; arms hanging."""
    return BodyPose(
        pelvis_position=(0.0, seated_hip_height(p), 0.0),
        left_hip_flexion_deg=90.0,
        right_hip_flexion_deg=90.0,
        left_knee_flexion_deg=90.0,
        right_knee_flexion_deg=90.0,
    )


#: Arm resting with the hand palm-down on the top of the same-side thigh, about
#: 60 % of the way to the knee (used by the seated neutral pose, both sides).
_HAND_ON_THIGH = dict(
    shoulder_flexion_deg=4.0,
    shoulder_abduction_deg=-10.5,
    elbow_flexion_deg=64.0,
    forearm_pronation_deg=90.0,
)


def seated_neutral(p: BodyProportions) -> BodyPose:
    """Sitting tall on a chair (seat ~0.26 H), the starting and "not crossed" pose.

    Pelvis upright (pitch 0) with the hip joints at ankle height + shank; trunk
    vertical (flexion, side bend and twist 0); hips flexed 90 (thighs horizontal);
    knees flexed 90 (shins vertical); ankles 0 (feet flat on the floor); hands
    palm-down on the thighs (shoulder flexion 4, adduction 10.5, elbow 64,
    forearm pronated 90).
    """
    return _seated_base(p).side("left", **_HAND_ON_THIGH).side("right", **_HAND_ON_THIGH)


def figure_four_not_crossed(p: BodyProportions) -> BodyPose:
    """Typical mistake for the figure-4: the leg is not crossed at all (= seated neutral)."""
    return seated_neutral(p)


def figure_four(p: BodyProportions) -> BodyPose:
    """Seated figure-4 (glute / piriformis stretch on a chair), right leg working.

    Sitting tall (pelvis and trunk upright), left leg as in :func:`seated_neutral`.
    The right hip is flexed 90 (thigh horizontal, knee at hip height), abducted 25
    (the knee swings out to the right in the horizontal plane) and externally
    rotated 103 (about the thigh's long axis, which turns the bent shin from hanging
    down to lying across toward the left leg); the right knee is flexed 116 and the
    ankle held at 0 (a "flexed foot"). The right lateral ankle then rests just above
    the left knee and the right shin rises ~12 degrees toward it. The left hand holds
    the right ankle, the right hand rests on the right knee.
    """
    return (
        _seated_base(p)
        .side(
            "right",
            hip_flexion_deg=90.0,
            hip_abduction_deg=25.0,
            hip_external_rotation_deg=103.0,
            knee_flexion_deg=116.0,
            ankle_dorsiflexion_deg=0.0,
            shoulder_flexion_deg=41.5,
            shoulder_abduction_deg=9.5,
            elbow_flexion_deg=0.5,
            forearm_pronation_deg=90.0,
        )
        .side(
            "left",
            shoulder_flexion_deg=24.0,
            shoulder_abduction_deg=-9.5,
            elbow_flexion_deg=52.0,
            forearm_pronation_deg=90.0,
        )
    )


def figure_four_knee_lifted(p: BodyProportions) -> BodyPose:
    """Typical figure-4 mistake: the crossed knee is lifted high instead of dropping out.

    Same as :func:`figure_four` but the right hip is flexed 30 more (120), slightly
    less abducted (24) and less externally rotated (73) so the ankle still rests on
    the left knee while the right knee sits clearly above hip level (shin tilted
    ~15 degrees down toward the ankle). Hands as in the correct pose, re-aimed at the
    moved ankle and knee.
    """
    return (
        _seated_base(p)
        .side(
            "right",
            hip_flexion_deg=120.0,
            hip_abduction_deg=24.0,
            hip_external_rotation_deg=73.0,
            knee_flexion_deg=116.0,
            ankle_dorsiflexion_deg=0.0,
            shoulder_flexion_deg=17.0,
            shoulder_abduction_deg=16.0,
            elbow_flexion_deg=85.5,
            forearm_pronation_deg=90.0,
        )
        .side(
            "left",
            shoulder_flexion_deg=24.0,
            shoulder_abduction_deg=-9.5,
            elbow_flexion_deg=51.5,
            forearm_pronation_deg=90.0,
        )
    )


#: Supporting (left) leg in the seated twist: slightly extended so the crossed
#: right thigh can clear the left knee (hip 85, knee 61, ankle plantar-flexed 24
#: so the foot stays flat with the shin leaning forward).
_TWIST_SUPPORT_LEG = dict(
    hip_flexion_deg=85.0,
    knee_flexion_deg=61.0,
    ankle_dorsiflexion_deg=-24.0,
)


def piriformis_twist(p: BodyProportions) -> BodyPose:
    """Seated piriformis twist on a chair, right leg crossed over, trunk turned right.

    Left leg: hip 85, knee 61, ankle -24 (foot flat a little forward, which lowers
    the left knee). Right leg crossed over the left thigh: hip flexed 94.5 and
    adducted 29 (negative abduction: the thigh crosses the midline so the right knee
    sits over the left knee, ~6 cm higher), externally rotated 16, knee flexed 80,
    ankle plantar-flexed 32 so the ball of the right foot is on the floor (heel
    lifted ~7 cm; a flat foot cannot reach the floor with the knee above the other
    thigh) outside the left knee. Trunk upright and twisted -35 (the chest turns
    toward the person's RIGHT). The left hand holds the outside of the right knee
    (shoulder flexion 14, abduction 4, elbow 43); the right hand is on the chair
    seat behind the pelvis (shoulder extension 29.5, abduction 6.5, elbow 44, palm
    down).
    """
    return (
        _seated_base(p)
        .replace(trunk_twist_deg=-35.0)
        .side(
            "left",
            **_TWIST_SUPPORT_LEG,
            shoulder_flexion_deg=14.0,
            shoulder_abduction_deg=4.0,
            elbow_flexion_deg=43.0,
        )
        .side(
            "right",
            hip_flexion_deg=94.5,
            hip_abduction_deg=-29.0,
            hip_external_rotation_deg=16.0,
            knee_flexion_deg=80.0,
            ankle_dorsiflexion_deg=-32.0,
            shoulder_flexion_deg=-29.5,
            shoulder_abduction_deg=6.5,
            elbow_flexion_deg=44.0,
            forearm_pronation_deg=90.0,
            wrist_extension_deg=60.0,
        )
    )


def piriformis_twist_untwisted(p: BodyProportions) -> BodyPose:
    """Typical mistake: legs crossed correctly but the trunk is not turned (twist 0).

    Arms keep their angles relative to the trunk, so the hands move with it.
    """
    return piriformis_twist(p).replace(trunk_twist_deg=0.0)


def piriformis_twist_slumped(p: BodyProportions) -> BodyPose:
    """Typical mistake: twisted, but slumping forward (trunk flexion 35, neck flexion 15)."""
    return piriformis_twist(p).replace(trunk_flexion_deg=35.0, neck_flexion_deg=15.0)


# --------------------------------------------------------------------------- standing / floor


def standing(p: BodyProportions) -> BodyPose:
    """Standing upright, feet flat under the hips, arms hanging (all angles 0)."""
    return BodyPose(pelvis_position=(0.0, p.standing_hip_height_m, 0.0))


def _flat_hand_extension(pose: BodyPose, p: BodyProportions, side: str) -> float:
    """Wrist extension that makes a pronated (90) hand's long axis horizontal.

    With pronation 90 the hand swings in the plane of the arm's flexion: its long
    axis is ``R (0, -cos e, sin e)`` with ``R`` the upper-arm frame times the elbow
    flexion, so ``e = atan2(R[1,1], R[1,2])`` levels it.
    """
    frames = segment_frames(pose, p)
    r = frames[f"{side}_upper_arm"].rotation @ rot_x(-getattr(pose, f"{side}_elbow_flexion_deg"))
    return math.degrees(math.atan2(r[1, 1], r[1, 2]))


_HANDS = (
    L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_INDEX, L.RIGHT_INDEX,
    L.LEFT_PINKY, L.RIGHT_PINKY, L.LEFT_THUMB, L.RIGHT_THUMB,
)
_TOES = (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)


def _on_hands_and_feet(p: BodyProportions, pose_at_pitch: Callable[[float], BodyPose]) -> BodyPose:
    """Solve the pelvis pitch (bisection) so hands and toes are level, then drop onto the floor.

    ``pose_at_pitch(pitch)`` builds the pose for a pelvis pitch; the hands are
    levelled with :func:`_flat_hand_extension` at every step.
    """

    def build(pitch: float) -> tuple[BodyPose, np.ndarray]:
        pose = pose_at_pitch(pitch)
        for side in ("left", "right"):
            pose = pose.side(side, wrist_extension_deg=_flat_hand_extension(pose, p, side))
        return pose, joint_positions(pose, p)

    def gap(pitch: float) -> float:
        _, pts = build(pitch)
        return float(pts[list(_HANDS), 1].min() - pts[list(_TOES), 1].min())

    lo, hi = 60.0, 175.0  # more pitch lowers the hands relative to the feet
    if gap(lo) * gap(hi) > 0:
        raise ValueError("no pelvis pitch puts hands and feet on the floor for these angles")
    for _ in range(60):
        mid = (lo + hi) / 2
        if gap(lo) * gap(mid) <= 0:
            hi = mid
        else:
            lo = mid
    pose, pts = build((lo + hi) / 2)
    lowest = float(min(pts[list(_HANDS), 1].min(), pts[list(_TOES), 1].min()))
    x, y, z = pose.pelvis_position
    return pose.replace(pelvis_position=(x, y - lowest, z))


def _down_dog(p: BodyProportions, hip_flexion: float, knee_flexion: float, dorsiflexion: float,
              shoulder_flexion: float = 180.0, elbow_flexion: float = 0.0) -> BodyPose:
    def at(pitch: float) -> BodyPose:
        pose = BodyPose(pelvis_position=(0.0, 0.0, 0.0), pelvis_pitch_deg=pitch, neck_flexion_deg=-10.0)
        leg = dict(
            hip_flexion_deg=hip_flexion,
            knee_flexion_deg=knee_flexion,
            ankle_dorsiflexion_deg=dorsiflexion,
            shoulder_flexion_deg=shoulder_flexion,
            shoulder_abduction_deg=3.0,
            elbow_flexion_deg=elbow_flexion,
            forearm_pronation_deg=90.0,
        )
        return pose.side("left", **leg).side("right", **leg)

    return _on_hands_and_feet(p, at)


def downward_dog(p: BodyProportions) -> BodyPose:
    """Downward-facing dog: an inverted V with the hips as the highest point.

    Hips flexed 100 (trunk-thigh angle ~80 at the top of the V), knees straight (0),
    ankles dorsiflexed 25 (about the straight-knee limit: heels lifted a few
    centimetres, toes on the floor), shoulders flexed 180 with straight elbows (arms
    in line with the trunk) and abducted 3 (hands a little wider than the shoulders,
    which keeps each side's wrist-shoulder-hip angle above ~170 although the
    shoulders are wider than the hips), forearms pronated 90 and wrists extended until the palms
    are flat, neck extended 10 (head between the arms).
    The pelvis pitch (~134-138: the body faces the floor) and height are solved so both
    hands and both feet touch the floor.
    """
    return _down_dog(p, hip_flexion=100.0, knee_flexion=0.0, dorsiflexion=25.0)


def downward_dog_knees_bent(p: BodyProportions) -> BodyPose:
    """Typical down-dog mistake (or beginner version): knees bent 45, hips lower.

    Hips flexed 115 (trunk closer to the thighs), knees 45, ankles dorsiflexed 35
    (the bent knee lets the heels come down further); arms as in
    :func:`downward_dog`. Hands and feet stay on the floor (pitch and height solved).
    """
    return _down_dog(p, hip_flexion=115.0, knee_flexion=45.0, dorsiflexion=35.0)


def downward_dog_hips_dropped(p: BodyProportions) -> BodyPose:
    """Typical down-dog mistake: the hips sag towards a plank.

    Hips flexed only 40 and shoulders 120 (shoulders come forward over the hands),
    knees straight, ankles dorsiflexed 5; hands and feet on the floor (pitch and
    height solved). The hips end up barely above the shoulders, so the V opens
    (~140) and the arms no longer continue the back line (~120) as well.
    """
    return _down_dog(p, hip_flexion=40.0, knee_flexion=0.0, dorsiflexion=5.0, shoulder_flexion=120.0)


def downward_dog_feet_too_close(p: BodyProportions) -> BodyPose:
    """Typical down-dog mistake: the feet walked in too close to the hands (hips flexed
    145, a V of ~33); hands and feet on the floor."""
    return _down_dog(p, hip_flexion=145.0, knee_flexion=0.0, dorsiflexion=25.0)


def downward_dog_elbows_bent(p: BodyProportions) -> BodyPose:
    """Typical down-dog mistake: elbows bent 40 (arm angle ~140); hands and feet on the floor."""
    return _down_dog(p, hip_flexion=100.0, knee_flexion=0.0, dorsiflexion=25.0, elbow_flexion=40.0)


def downward_dog_arms_not_in_line(p: BodyProportions) -> BodyPose:
    """Typical down-dog mistake: shoulders flexed only 135, so the arms make an angle
    with the back (wrist-shoulder-hip ~134) instead of continuing it; hands and feet
    on the floor."""
    return _down_dog(p, hip_flexion=100.0, knee_flexion=0.0, dorsiflexion=25.0, shoulder_flexion=135.0)


def tabletop(p: BodyProportions) -> BodyPose:
    """Hands and knees: thighs vertical with the knees on the floor under the hips.

    Knees flexed 90 with the shins flat on the floor (knee joint centre ~0.03 H up),
    ankles plantar-flexed 60 (toe tips on the floor behind the knees, heels up); the hip flexion
    equals the pelvis pitch so the thighs stay vertical; shoulders flexed to the same
    angle (arms vertical, wrists under the shoulders), elbows straight, palms flat.
    Because arms are longer than thighs, the pelvis pitch that puts the hands on the
    floor leaves the shoulders 10-13 cm higher than the hips (back 12-15 degrees off
    horizontal).
    """
    knee_height = KNEELING_KNEE_HEIGHT * p.height_m

    def at(pitch: float) -> BodyPose:
        leg = dict(
            hip_flexion_deg=pitch,
            knee_flexion_deg=90.0,
            ankle_dorsiflexion_deg=-60.0,
            shoulder_flexion_deg=pitch,
            elbow_flexion_deg=0.0,
            forearm_pronation_deg=90.0,
        )
        pose = BodyPose(pelvis_position=(0.0, knee_height + p.thigh_m, 0.0), pelvis_pitch_deg=pitch)
        return pose.side("left", **leg).side("right", **leg)

    def build(pitch: float) -> BodyPose:
        pose = at(pitch)
        for side in ("left", "right"):
            pose = pose.side(side, wrist_extension_deg=_flat_hand_extension(pose, p, side))
        return pose

    def hand_height(pitch: float) -> float:
        return float(joint_positions(build(pitch), p)[list(_HANDS), 1].min())

    lo, hi = 45.0, 90.0  # pitching further forward lowers the shoulders and hands
    for _ in range(60):
        mid = (lo + hi) / 2
        if hand_height(mid) > 0:
            lo = mid
        else:
            hi = mid
    return build((lo + hi) / 2)


#: Every reference pose by name (right side working), for tests and tools.
SEED_POSES: dict[str, Callable[[BodyProportions], BodyPose]] = {
    "standing": standing,
    "seated_neutral": seated_neutral,
    "figure_four": figure_four,
    "figure_four_knee_lifted": figure_four_knee_lifted,
    "figure_four_not_crossed": figure_four_not_crossed,
    "piriformis_twist": piriformis_twist,
    "piriformis_twist_untwisted": piriformis_twist_untwisted,
    "piriformis_twist_slumped": piriformis_twist_slumped,
    "downward_dog": downward_dog,
    "downward_dog_knees_bent": downward_dog_knees_bent,
    "downward_dog_hips_dropped": downward_dog_hips_dropped,
    "downward_dog_feet_too_close": downward_dog_feet_too_close,
    "downward_dog_elbows_bent": downward_dog_elbows_bent,
    "downward_dog_arms_not_in_line": downward_dog_arms_not_in_line,
    "tabletop": tabletop,
}


# --------------------------------------------------------------------------- dev search
# Used once to find the hard-coded angles above; kept so they can be re-derived
# (``python -m coachlab.synthetic.seed_poses``). Not used by the poses themselves.


def _least_squares(
    build: Callable[[np.ndarray, BodyProportions], BodyPose],
    x0: list[float],
    residual: Callable[[BodyPose, BodyProportions], np.ndarray],
    bodies: list[BodyProportions],
    iterations: int = 200,
) -> np.ndarray:
    """Levenberg-Marquardt over angles (degrees), numeric Jacobian, all bodies at once."""
    x = np.asarray(x0, dtype=np.float64)

    def stacked(v: np.ndarray) -> np.ndarray:
        return np.concatenate([residual(build(v, p), p) for p in bodies])

    r = stacked(x)
    cost = float(r @ r)
    damping = 1e-2
    for _ in range(iterations):
        jac = np.empty((len(r), len(x)))
        for k in range(len(x)):
            d = np.zeros_like(x)
            d[k] = 1e-4
            jac[:, k] = (stacked(x + d) - stacked(x - d)) / 2e-4
        jtj = jac.T @ jac
        while True:
            step = -np.linalg.solve(jtj + damping * np.diag(np.diag(jtj) + 1e-9), jac.T @ r)
            r_new = stacked(x + step)
            if float(r_new @ r_new) < cost:
                x, r, cost = x + step, r_new, float(r_new @ r_new)
                damping = max(damping / 3, 1e-7)
                break
            damping *= 4
            if damping > 1e8:
                return x
        if np.abs(step).max() < 1e-6:
            break
    return x


def _round_half(x: np.ndarray) -> list[float]:
    return [float(v) for v in np.round(np.asarray(x) * 2) / 2]


def _tune() -> dict[str, list[float]]:  # pragma: no cover - dev helper
    """Re-run every search; returns the rounded angles that are hard-coded above."""
    bodies = list(BodyProportions.presets().values())
    out: dict[str, list[float]] = {}

    def arm(base: BodyPose, side: str, v: np.ndarray, **extra: float) -> BodyPose:
        return base.side(
            side, shoulder_flexion_deg=v[0], shoulder_abduction_deg=v[1], elbow_flexion_deg=v[2], **extra
        )

    def wrist_at(side: str, target: Callable[[np.ndarray, BodyProportions], np.ndarray]):
        idx = L[f"{side.upper()}_WRIST"]

        def residual(pose: BodyPose, p: BodyProportions) -> np.ndarray:
            pts = joint_positions(pose, p)
            return (pts[idx] - target(pts, p)) / 0.01

        return residual

    # seated neutral: hand on the thigh, 60 % toward the knee, on top of it
    out["hand_on_thigh"] = _round_half(_least_squares(
        lambda v, p: arm(_seated_base(p), "left", v, forearm_pronation_deg=90.0),
        [30, -5, 60],
        wrist_at("left", lambda j, p: j[L.LEFT_HIP] + np.array([0.0, 0.05 * p.height_m, 0.6 * p.thigh_m])),
        bodies,
    ))

    # figure-4 leg: ankle on the target, knee at hip height (hip flexion held at 90)
    def f4_leg(v: np.ndarray, p: BodyProportions, flexion: float) -> BodyPose:
        return _seated_base(p).side(
            "right", hip_flexion_deg=flexion, hip_abduction_deg=v[0],
            hip_external_rotation_deg=v[1], knee_flexion_deg=v[2],
        )

    def ankle_on_knee(pose: BodyPose, p: BodyProportions) -> np.ndarray:
        pts = joint_positions(pose, p)
        return (pts[L.RIGHT_ANKLE] - figure_four_ankle_target(pts, p)) / 0.01

    for name, flexion in (("figure_four_leg", 90.0), ("figure_four_knee_lifted_leg", 120.0)):
        leg = _round_half(_least_squares(lambda v, p: f4_leg(v, p, flexion), [25, 100, 115], ankle_on_knee, bodies))
        out[name] = [flexion, *leg]
        base = lambda p, leg=leg, flexion=flexion: f4_leg(np.array(leg), p, flexion)  # noqa: E731
        out[name.replace("leg", "left_arm")] = _round_half(_least_squares(
            lambda v, p: arm(base(p), "left", v, forearm_pronation_deg=90.0), [40, -10, 60],
            wrist_at("left", lambda j, p: j[L.RIGHT_ANKLE] + np.array([0, 0.035 * p.height_m, 0])), bodies,
        ))
        out[name.replace("leg", "right_arm")] = _round_half(_least_squares(
            lambda v, p: arm(base(p), "right", v, forearm_pronation_deg=90.0), [40, 10, 60],
            wrist_at("right", lambda j, p: j[L.RIGHT_KNEE] + np.array([0, 0.035 * p.height_m, 0])), bodies,
        ))

    # piriformis twist: right leg crossed over, ball of the foot on the floor outside
    # the left knee, right knee over the left knee, foot turned out ~15 degrees
    def twist_leg(v: np.ndarray, p: BodyProportions) -> BodyPose:
        return _seated_base(p).side("left", **_TWIST_SUPPORT_LEG).side(
            "right", hip_flexion_deg=v[0], hip_abduction_deg=v[1], hip_external_rotation_deg=v[2],
            knee_flexion_deg=v[3], ankle_dorsiflexion_deg=v[4],
        )

    def crossed(pose: BodyPose, p: BodyProportions) -> np.ndarray:
        h = p.height_m
        j = joint_positions(pose, p)
        ankle, heel, toe = j[L.RIGHT_ANKLE], j[L.RIGHT_HEEL], j[L.RIGHT_FOOT_INDEX]
        lknee, rknee = j[L.LEFT_KNEE], j[L.RIGHT_KNEE]
        foot = toe - heel
        return np.array([
            toe[1] / 0.003,
            (heel[1] - 0.035 * h) / 0.01,
            (ankle[0] - (lknee[0] + 0.07 * h)) / 0.01,
            (rknee[1] - (lknee[1] + 0.06 * h)) / 0.01,
            (rknee[0] - 0.5 * j[L.LEFT_HIP][0]) / 0.02,
            (math.degrees(math.atan2(foot[0], foot[2])) - 15.0) / 5.0,
            (ankle[2] - lknee[2]) / 0.03,
        ])

    leg = _round_half(_least_squares(twist_leg, [95, -28, 15, 81, -30], crossed, bodies))
    out["piriformis_twist_leg"] = leg
    twisted = lambda p: twist_leg(np.array(leg), p).replace(trunk_twist_deg=-35.0)  # noqa: E731
    out["piriformis_twist_left_arm"] = _round_half(_least_squares(
        lambda v, p: arm(twisted(p), "left", v), [60, -30, 30],
        wrist_at("left", lambda j, p: j[L.RIGHT_KNEE] + np.array([-0.035 * p.height_m, 0.01 * p.height_m, 0])),
        bodies,
    ))
    out["piriformis_twist_right_arm"] = _round_half(_least_squares(
        lambda v, p: arm(twisted(p), "right", v, forearm_pronation_deg=90.0, wrist_extension_deg=60.0),
        [-30, 10, 10],
        wrist_at("right", lambda j, p: np.array(
            [j[L.RIGHT_HIP][0] - 0.02 * p.height_m, chair_seat_height(p) + 0.01 * p.height_m, -0.13 * p.height_m]
        )),
        bodies,
    ))
    return out


if __name__ == "__main__":  # pragma: no cover
    for key, value in _tune().items():
        print(f"{key:32s} {value}")
