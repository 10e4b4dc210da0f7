"""Sweep of the twist's ``foot_outside_knee`` over bodies, sides and cameras (issue 13).

Compares the measure along the hip line (before 2026-12-04) with the measure along
the level hip line (``across_toward_other_side``), with the hip landmarks as the
renderer gives them and tilted ±12° the way MediaPipe draws them under crossed
legs. Run ``python -m coachlab.synthetic.twist_foot_sweep``.
"""

from __future__ import annotations

from coach.measurements import MeasurementSpec
from coachlab.synthetic import camera_sweep as cs
from coachlab.synthetic.twist_foot import CORRECT_FOOT, FOOT_IN_LINE, FOOT_OWN_SIDE, not_crossed, twist_with_foot

SPECS = {
    "hip line, torso (before)": MeasurementSpec("offset", ("working_ankle", "other_knee"), "image", "toward_other_side", "torso"),
    "level hip line, torso": MeasurementSpec("offset", ("working_ankle", "other_knee"), "image", "across_toward_other_side", "torso"),
}
SHOTS = list(cs.shots(hip_tilts=(-12.0, 0.0, 12.0), heights=(0.5, 0.9, 1.3), distances=(2.0, 3.5)))


def groups() -> list[tuple[str, list]]:
    out = []
    for g in (CORRECT_FOOT, FOOT_IN_LINE, FOOT_OWN_SIDE):
        builders = [(lambda b, d=d, u=u: twist_with_foot(b, d, u)) for d in g.outside_m for u in g.foot_up_m]
        out.append((g.name, builders))
    out.append(("mistake: legs not crossed", [lambda b, i=i: not_crossed(b)[i] for i in range(2)]))
    return out


def main() -> None:  # pragma: no cover - prints the calibration table
    for label, spec in SPECS.items():
        print(f"== {label}")
        for name, builders in groups():
            rows = [r for build in builders for r in cs.values(build, spec, "front", SHOTS)]
            for tilt in (0.0, None):
                sel = [r for r in rows if tilt is None or r[0].hip_tilt_deg == tilt]
                tag = "exact hips " if tilt == 0.0 else "hips ±12°  "
                print(f"  {name[:44]:44s} {tag} cal {cs.summary(sel, 'calibration')}")
                print(f"  {'':44s} {tag} test {cs.summary(sel, 'test')}")


if __name__ == "__main__":  # pragma: no cover
    main()
