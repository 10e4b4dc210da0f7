"""How the downward-dog checks judge real photos of people (a benchmark, not a test).

Uses `../shared/data/photos/` when present (photos that may not be redistributed,
so they are never copied into the project). Each photo goes through the real
pipeline (pose model -> measurements -> verdicts, no smoothing: a single frame)
and is judged as a downward dog. Reports, per label: how many photos had a person
found, how many were judged correct, and which checks failed most.

Targets: >= 90% of the downward-dog photos judged correct; <= 10% of the near
misses (hands and knees, standing, other poses) judged correct.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.estimator import EstimatorOptions, PoseEstimator  # noqa: E402
from coach.stretches import load_library  # noqa: E402
from coach.verdicts import StretchEvaluator  # noqa: E402

DEFAULT_PHOTOS = ROOT.parent / "shared" / "data" / "photos"


def evaluate(photos_dir: Path, model: str | None, verbose: bool) -> dict[str, dict[str, object]]:
    stretch = load_library().stretches["downward_dog"]
    rows = list(csv.DictReader((photos_dir / "manifest.csv").open()))
    per_label: dict[str, dict[str, object]] = defaultdict(lambda: {"photos": 0, "found": 0, "correct": 0,
                                                                   "fails": Counter(), "views": Counter()})
    for row in rows:
        path = photos_dir / row["file"]
        if path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
            continue
        bgr = cv2.imread(str(path))
        if bgr is None:
            continue
        stats = per_label[row["label"]]
        stats["photos"] += 1  # type: ignore[operator]
        # A fresh estimator per photo: photos are unrelated frames, not a video.
        with PoseEstimator(EstimatorOptions(model=model, census_poses=0)) as estimator:
            result = estimator.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), 0.0)
        if result.landmarks is None:
            continue
        stats["found"] += 1  # type: ignore[operator]
        verdict = StretchEvaluator(stretch, None).evaluate(result.landmarks)
        if verdict.correct:
            stats["correct"] += 1  # type: ignore[operator]
            stats["views"][row["view"]] += 1  # type: ignore[index]
        for check in verdict.checks:
            if not check.ok:
                stats["fails"][check.check_id] += 1  # type: ignore[index]
        if verbose:
            values = " ".join(f"{c.check_id}={c.value:.2f}{'' if c.ok else '!'}" for c in verdict.checks)
            print(f"{row['label']:18s} {row['view']:13s} {'CORRECT' if verdict.correct else 'not    '} {path.name[:50]:50s} {values}")
    return per_label


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--model", default=None, help="full (default), lite or a .task path")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per photo with every check's value")
    args = parser.parse_args()
    if not (args.photos / "manifest.csv").is_file():
        print(f"no photo set at {args.photos} (it lives in ../shared/data/photos/ on the project's machines): skipped")
        return 0
    per_label = evaluate(args.photos, args.model, args.verbose)
    print(f"\nDownward dog checks on real photos ({args.photos}):")
    print(f"{'label':<20}{'photos':>8}{'person':>8}{'judged correct':>16}  most failed checks")
    for label in sorted(per_label, key=lambda name: (name != "downdog_correct", name)):
        s = per_label[label]
        share = s["correct"] / s["photos"] if s["photos"] else 0.0  # type: ignore[operator]
        fails = ", ".join(f"{k} {v}" for k, v in s["fails"].most_common(3))  # type: ignore[union-attr]
        print(f"{label:<20}{s['photos']:>8}{s['found']:>8}{s['correct']:>7} ({share:5.1%})  {fails}")
    negatives = [s for label, s in per_label.items() if label != "downdog_correct"]
    neg_total = sum(s["photos"] for s in negatives)  # type: ignore[misc]
    neg_correct = sum(s["correct"] for s in negatives)  # type: ignore[misc]
    pos = per_label.get("downdog_correct", {"photos": 0, "correct": 0})
    print(f"\ndownward dog photos judged correct: {pos['correct']}/{pos['photos']} (target >= 90%)")
    print(f"near misses judged correct:         {neg_correct}/{neg_total} (target <= 10%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
