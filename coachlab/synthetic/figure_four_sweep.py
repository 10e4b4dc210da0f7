"""Sweep of the figure-4's ``ankle_on_knee`` over where people rest the ankle (issue 13).

The seed figure-4 puts the crossed ankle at one spot (0.03 H up the supporting
thigh from the knee). People rest it anywhere from on the knee to about 15 cm up
the thigh, with the crossed knee from 10 cm below to 12 cm above the hip. Here
both are parameters (the crossed leg's four angles solved for them), seen over
bodies, sides and cameras (:mod:`coachlab.synthetic.camera_sweep`). Run
``python -m coachlab.synthetic.figure_four_sweep``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from coach.landmarks import PoseLandmark as L
from coach.measurements import MeasurementSpec
from coachlab.synthetic import camera_sweep as cs
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyPose, BodyProportions, joint_positions

_FIELDS = ("hip_flexion_deg", "hip_abduction_deg", "hip_external_rotation_deg", "knee_flexion_deg")
_SEED = (90.0, 25.0, 103.0, 116.0)
#: How far the solved ankle may miss its target, metres.
TOLERANCE_M = 0.01

SPEC = MeasurementSpec("distance", ("working_ankle", "other_knee"), "image", "any", "torso")


def _with_leg(p: BodyProportions, v) -> BodyPose:
    return sp.figure_four(p).side("right", **dict(zip(_FIELDS, (float(a) for a in v))))


@lru_cache(maxsize=256)
def _angles(p: BodyProportions, up_thigh_m: float, knee_above_hip_m: float) -> tuple[float, ...]:
    def target(j: np.ndarray) -> np.ndarray:
        knee, hip = j[L.LEFT_KNEE], j[L.LEFT_HIP]
        along = knee - hip
        along[1] = 0.0
        along /= np.linalg.norm(along)
        return knee + np.array([0.0, sp.FIGURE_FOUR_ANKLE_UP * p.height_m, 0.0]) - up_thigh_m * along

    def residual(pose: BodyPose, body: BodyProportions) -> np.ndarray:
        j = joint_positions(pose, body)
        miss = (j[L.RIGHT_ANKLE] - target(j)) / 0.002
        knee = (j[L.RIGHT_KNEE][1] - j[L.RIGHT_HIP][1] - knee_above_hip_m) / 0.005
        return np.r_[miss, knee]

    v = sp._least_squares(lambda x, b: _with_leg(b, x), list(_SEED), residual, [p])
    j = joint_positions(_with_leg(p, v), p)
    miss = float(np.linalg.norm(j[L.RIGHT_ANKLE] - target(j)))
    if miss > TOLERANCE_M:
        raise ValueError(f"no crossed leg puts the ankle {up_thigh_m} m up the thigh with the knee "
                         f"{knee_above_hip_m} m above the hip (missed by {miss:.3f} m)")
    return tuple(float(a) for a in v)


def figure_four_at(p: BodyProportions, up_thigh_m: float, knee_above_hip_m: float = 0.0) -> BodyPose:
    """The seed figure-4 with the crossed ankle ``up_thigh_m`` up the supporting thigh from
    the knee (resting on top of it) and the crossed knee ``knee_above_hip_m`` above the hip."""
    return _with_leg(p, _angles(p, round(up_thigh_m, 3), round(knee_above_hip_m, 3)))


CORRECT = [(u, k) for u in (0.0, 0.05, 0.10, 0.15) for k in (-0.10, 0.0, 0.06, 0.12)]
TOO_FAR = [(u, k) for u in (0.25, 0.30) for k in (-0.05, 0.06)]


def main() -> None:  # pragma: no cover - prints the calibration table
    shots = list(cs.shots())
    groups = [("correct: ankle 0-15 cm up the thigh, knee -10..12 cm", CORRECT),
              ("mistake: ankle 25-30 cm up the thigh", TOO_FAR)]
    for name, params in groups:
        rows = [r for u, k in params for r in cs.values(lambda b, u=u, k=k: figure_four_at(b, u, k), SPEC, "front", shots)]
        for part in ("calibration", "test"):
            print(f"{name[:52]:52s} {part[:4]} {cs.summary(rows, part)}")
        for h in cs.CAMERA_HEIGHTS_M:
            print(f"{'':52s} lens {h} {cs.summary([r for r in rows if r[0].height_m == h])}")
    rows = cs.values(lambda b: sp.figure_four(b).side("right", hip_abduction_deg=55), SPEC, "front", shots)
    print(f"{'mistake: seed, crossed hip abducted 55':52s} all  {cs.summary(rows)}")


if __name__ == "__main__":  # pragma: no cover
    main()
