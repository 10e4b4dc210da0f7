"""The seated piriformis twist with the crossed foot placed anywhere across the body.

Why it exists (issue 13): the seed twist (:func:`seed_poses.piriformis_twist`) puts
the crossed ankle one fixed distance (0.07 H, 11-13 cm) outside the other knee, so a
limit fitted on it says nothing about the 3-25 cm people actually use. Here the
distance is a parameter, and so is how high the foot rests (on the floor, or
higher, e.g. against the other shin), for the calibration sweep of
``foot_outside_knee`` and its test.

"Outside" is measured between landmarks, as the check sees them: from the other
knee's joint centre to the working ankle (lateral malleolus level, on the shank
axis), across the body (along the hip line, horizontally), positive beyond the
other knee. A foot whose inner edge touches the outside of the knee is about 8 cm
on this measure (knee half-width ~5 cm plus ankle half-width ~3 cm), so 3 cm is
a foot almost in front of the knee: the strictest reading of "outside".

Poses are for the RIGHT side working, like every seed pose (left: ``mirrored()``).
Run ``python -m coachlab.synthetic.twist_foot`` to print the sweep of the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from coach.landmarks import PoseLandmark as L
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyPose, BodyProportions, joint_positions

#: Right-leg angles solved for (in this order), with the seed twist's values as start.
_LEG_FIELDS = ("hip_flexion_deg", "hip_abduction_deg", "hip_external_rotation_deg",
               "knee_flexion_deg", "ankle_dorsiflexion_deg")
_SEED_LEG = (94.5, -29.0, 16.0, 80.0, -32.0)
#: How far the solved ankle may miss its lateral target, metres.
TOLERANCE_M = 0.003


def foot_outside_m(pose: BodyPose, p: BodyProportions) -> float:
    """Working (right) ankle beyond the other (left) knee, across the body, metres."""
    j = joint_positions(pose, p)
    across = j[L.LEFT_HIP] - j[L.RIGHT_HIP]
    across[1] = 0.0
    across /= np.linalg.norm(across)
    return float(np.dot(j[L.RIGHT_ANKLE] - j[L.LEFT_KNEE], across))


def _with_leg(base: BodyPose, v: np.ndarray) -> BodyPose:
    return base.side("right", **dict(zip(_LEG_FIELDS, (float(a) for a in v))))


@lru_cache(maxsize=512)
def _leg_angles(p: BodyProportions, outside_m: float, foot_up_m: float) -> tuple[float, ...]:
    base = sp.piriformis_twist(p)
    h = p.height_m

    def residual(pose: BodyPose, body: BodyProportions) -> np.ndarray:
        j = joint_positions(pose, body)
        ankle, heel, toe = j[L.RIGHT_ANKLE], j[L.RIGHT_HEEL], j[L.RIGHT_FOOT_INDEX]
        lknee, rknee = j[L.LEFT_KNEE], j[L.RIGHT_KNEE]
        return np.array([
            (ankle[0] - (lknee[0] + outside_m)) / 0.001,  # the parameter itself
            (toe[1] - foot_up_m) / 0.003,  # ball of the foot on the floor (or that high)
            (heel[1] - (0.035 * h + foot_up_m)) / 0.01,  # heel lifted as in the seed
            (ankle[2] - lknee[2]) / 0.03,  # the foot beside the knee, not in front
            (rknee[1] - (lknee[1] + 0.06 * h)) / 0.03,  # crossed knee above the other
            (rknee[0] - 0.5 * j[L.LEFT_HIP][0]) / 0.05,  # ... roughly over it
        ])

    solved = sp._least_squares(lambda v, body: _with_leg(base, v), list(_SEED_LEG), residual, [p])
    pose = _with_leg(base, solved)
    miss = abs(foot_outside_m(pose, p) - outside_m)
    if miss > TOLERANCE_M:
        raise ValueError(f"no leg pose puts the ankle {outside_m:.3f} m outside the knee "
                         f"(missed by {miss:.3f} m) for a {p.height_m} m body")
    return tuple(float(a) for a in solved)


def twist_with_foot(p: BodyProportions, outside_m: float, foot_up_m: float = 0.0) -> BodyPose:
    """The seed twist (trunk, arms, supporting leg unchanged) with the right ankle
    ``outside_m`` beyond the left knee (negative: on its own side of it) and the ball of
    the foot ``foot_up_m`` above the floor (0: planted on the floor)."""
    return _with_leg(sp.piriformis_twist(p), np.array(_leg_angles(p, round(outside_m, 4), round(foot_up_m, 4))))


@dataclass(frozen=True)
class FootGroup:
    """One group of the sweep: correct placements, or one kind of mistake."""

    name: str
    correct: bool
    outside_m: tuple[float, ...]
    foot_up_m: tuple[float, ...] = (0.0,)


#: The correct execution over what people do (3-25 cm, planted or resting higher),
#: and each mistake over its own range.
CORRECT_FOOT = FootGroup("correct: 3-25 cm outside the other knee", True,
                         (0.03, 0.05, 0.08, 0.10, 0.12, 0.15, 0.20, 0.25), (0.0, 0.15))
FOOT_IN_LINE = FootGroup("mistake: foot in line with the other knee (-1 to 1 cm)", False, (-0.01, 0.0, 0.01), (0.0, 0.15))
FOOT_OWN_SIDE = FootGroup("mistake: foot on its own side of the other knee (5-20 cm in)", False,
                          (-0.05, -0.08, -0.12, -0.16, -0.20), (0.0, 0.15))
GROUPS = (CORRECT_FOOT, FOOT_IN_LINE, FOOT_OWN_SIDE)


def not_crossed(p: BodyProportions) -> tuple[BodyPose, ...]:
    """Legs not crossed: the crossed thigh left straight ahead (the seed's mistake),
    and both feet on the floor (sitting, turned)."""
    return (sp.piriformis_twist(p).side("right", hip_abduction_deg=0),
            sp.seated_neutral(p).replace(trunk_twist_deg=-35.0))


def _sweep_main() -> None:  # pragma: no cover - prints the calibration table
    from coach.stretches import load_library
    from coach.verdicts import StretchEvaluator
    from coachlab.synthetic.body import Camera, make_landmarks

    stretch = load_library().stretches["seated_piriformis_twist"]
    check = next(c for c in stretch.checks if c.id == "foot_outside_knee")

    def value(pose: BodyPose, body: BodyProportions, side: str, yaw: float, height: float) -> float:
        if side == "left":
            pose = pose.mirrored()
        cam = Camera.framing(joint_positions(pose, body), "front", height_m=height, yaw_offset_deg=yaw)
        lm = make_landmarks(pose, body, cam)
        return StretchEvaluator(stretch, side).evaluate(lm).by_id()["foot_outside_knee"].value

    yaws, heights = (-30, -20, -10, 0, 10, 20, 30), (0.6, 0.9, 1.2)
    print(f"foot_outside_knee (limit min {check.target.min}, hysteresis {check.hysteresis}); "
          f"{len(BodyProportions.presets())} bodies x 2 sides x yaw {yaws} x camera height {heights} m")
    rows: list[tuple[str, list[float]]] = []
    bodies = BodyProportions.presets().values()
    for g in GROUPS:
        for d in g.outside_m:
            vals = [value(twist_with_foot(b, d, up), b, s, y, hh) for b in bodies for up in g.foot_up_m
                    for s in ("right", "left") for y in yaws for hh in heights]
            rows.append((f"{g.name[:9]} {100 * d:+5.0f} cm", vals))
    vals = [value(pose, b, s, y, hh) for b in bodies for pose in not_crossed(b)
            for s in ("right", "left") for y in yaws for hh in heights]
    rows.append(("mistake: legs not crossed", vals))
    for name, v in rows:
        print(f"{name:34s} n={len(v):4d} min {min(v):+.3f} median {float(np.median(v)):+.3f} max {max(v):+.3f}")


if __name__ == "__main__":  # pragma: no cover
    _sweep_main()
