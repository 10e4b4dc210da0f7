"""Sweep of the seated twist's ``seated`` gate over bodies, sides, cameras and ways of doing it.

Why: the first wide renders (2026-12-04, calibration part) read correct twists at -0.66 to
-0.68 trunk lengths against the limit -0.65: like the figure-4's ``seated`` (see
``seated_sweep``), the knee's height below the hip in trunk lengths grows with the camera's
pitch. The crossing leg's shin stands on the floor (the foot is planted outside the other
knee), so its picture shrinks with pitch like the thigh's drop does: on exact landmarks the
same height in lengths of the working shin keeps sitting and standing apart at every camera
height. MediaPipe did not bear it out (2026-12-05, the whole wide set): it draws the crossed,
foreshortened knee low, so sitting and standing overlap in either scale, and the twist lost
its seated gate while holding (see its stretch file). Kept to show the exact-landmark side.
Correct twists come from the wide set's sampler (twist 15-45°, foot 3-25 cm out, chair
40-50 cm, trunk 0-15° forward, hands on the knee or the chair back). Run
``python -m coachlab.synthetic.twist_seated_sweep``.
"""

from __future__ import annotations

from collections.abc import Callable

from coach.measurements import MeasurementSpec
from coachlab.synthetic import camera_sweep as cs
from coachlab.synthetic import variety
from coachlab.synthetic.body import BodyPose, BodyProportions

TWIST = "seated_piriformis_twist"
SPECS = {
    "working knee over hip, torso (before)": MeasurementSpec("offset", ("working_knee", "working_hip"), "image",
                                                             "up", "torso"),
    "working knee over hip, working shin": MeasurementSpec("offset", ("working_knee", "working_hip"), "image",
                                                           "up", "working_shin"),
}
SAMPLES_PER_KIND = 12


def builders(kind_name: str) -> list[Callable[[BodyProportions], BodyPose]]:
    """Stratified samples of one way of doing the twist (right side working)."""
    return [lambda b, i=i: variety.sample(TWIST, kind_name, b, i, SAMPLES_PER_KIND, seed=7).pose
            for i in range(SAMPLES_PER_KIND)]


def groups() -> list[tuple[str, list[Callable[[BodyProportions], BodyPose]]]]:
    return [("correct twist", builders("correct")), ("slumped (sitting)", builders("slumped")),
            ("mistake: standing up", builders("standing up"))]


def main() -> None:  # pragma: no cover - prints the calibration table
    shots = list(cs.shots(distances=(2.0, 3.5), yaws=(-15.0, 0.0, 15.0)))
    for label, spec in SPECS.items():
        print(f"== {label}")
        for name, build_list in groups():
            rows = [r for build in build_list for r in cs.values(build, spec, "front", shots)]
            for part in ("calibration", "test"):
                print(f"  {name:24s} {part[:4]} {cs.summary(rows, part)}")
            for h in cs.CAMERA_HEIGHTS_M:
                print(f"  {'':24s} lens {h} m {cs.summary([r for r in rows if r[0].height_m == h])}")


if __name__ == "__main__":  # pragma: no cover
    main()
