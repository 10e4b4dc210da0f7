"""Sweep of the figure-4's ``seated`` gate over bodies, sides and cameras (issue 13).

Why: the knee's height against the hip, in trunk lengths, depends on the camera's
pitch. Seen from the front the seated thigh points at the camera, so a lens
above the seat draws the knee below the hip by about tan(pitch) thigh lengths;
independent renders with the camera a little above seat height read -0.43 to
-0.47 against a limit of -0.4. The supporting shin stands upright whether the
person sits or stands, and its picture shrinks with pitch as the trunk's does
not, so the same height in shin lengths keeps standing (about -1) and sitting
(about -tan(pitch)) apart at every camera height. Run
``python -m coachlab.synthetic.seated_sweep``.
"""

from __future__ import annotations

from collections.abc import Callable

from coach.measurements import MeasurementSpec
from coachlab.synthetic import camera_sweep as cs
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyPose, BodyProportions
from coachlab.synthetic.variants import _figure_four_standing_up, _stand_up

SPECS = {
    "knee over hip, torso (before)": MeasurementSpec("offset", ("other_knee", "other_hip"), "image", "up", "torso"),
    "knee over hip, other shin": MeasurementSpec("offset", ("other_knee", "other_hip"), "image", "up", "other_shin"),
    "knee over hip, hip width": MeasurementSpec("offset", ("other_knee", "other_hip"), "image", "up", "hip_width"),
    "supporting knee angle, 3D": MeasurementSpec("angle", ("other_hip", "other_knee", "other_ankle"), "world"),
}


def _thigh(pose: BodyPose, degrees: float) -> BodyPose:
    """The supporting thigh sloping ``degrees`` down to the knee (a high chair; negative: a low
    one), the shin kept upright."""
    return pose.side("left", hip_flexion_deg=90.0 - degrees, knee_flexion_deg=90.0 - degrees)


def groups() -> list[tuple[str, bool, list[Callable[[BodyProportions], BodyPose]]]]:
    correct = [lambda b, d=d, lean=lean: _thigh(sp.figure_four(b), d).replace(trunk_flexion_deg=lean)
               for d in (-8.0, 0.0, 8.0, 15.0) for lean in (-10.0, 0.0, 15.0)]
    lifted = [lambda b, d=d: _thigh(sp.figure_four_knee_lifted(b), d) for d in (0.0, 10.0)]
    standing = [_figure_four_standing_up, sp.standing,
                lambda b: _stand_up(sp.figure_four(b), b, "left", "right")]
    return [("correct: figure-4, chair 40-50 cm, trunk -10..15°", True, correct),
            ("correct: crossed knee lifted (depth only)", True, lifted),
            ("mistake: standing", False, standing)]


def main() -> None:  # pragma: no cover - prints the calibration table
    shots = list(cs.shots())
    for label, spec in SPECS.items():
        print(f"== {label}")
        for name, _, builders in groups():
            rows = [r for build in builders for r in cs.values(build, spec, "front", shots)]
            for part in ("calibration", "test"):
                print(f"  {name[:46]:46s} {part[:4]} {cs.summary(rows, part)}")
            for h in cs.CAMERA_HEIGHTS_M:
                sel = [r for r in rows if r[0].height_m == h]
                print(f"  {'':46s} lens {h} m {cs.summary(sel)}")


if __name__ == "__main__":  # pragma: no cover
    main()
