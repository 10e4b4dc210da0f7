"""What MediaPipe measures on the rendered sample clips, against their ground truth.

For each committed clip (``sample_videos/<clip>.mp4`` + ``<clip>.truth.json``):

* ``analyze``: ``coach.analyze.analyze_video`` end to end (the same path as
  ``coach analyze``): hold seconds counted vs the truth's, and the cue shown
  during the mistake (after :data:`~coach.rendered.truth.MISTAKE_SETTLE_S`);
* ``landmarks_px``: raw MediaPipe landmarks (no smoothing) minus the exact
  projected joints, in pixels, for the 12 body joints (shoulders to ankles), over
  all frames and over the held poses only;
* ``checks``: every check's value measured on the raw MediaPipe landmarks minus
  its value on the exact landmarks (held poses: correct holds and the mistake),
  and how often the two verdicts agree; medians per check in the correct holds
  and in the mistake, measured and true;
* ``correct``: frame-by-frame agreement of "correct" (raw landmarks, no
  smoothing, no timer) with the truth.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from coach.analyze import analyze_video
from coach.estimator import EstimatorOptions, PoseEstimator
from coach.landmarks import PoseLandmark as L
from coach.session_log import load_session_log
from coach.sources import VideoFileSource
from coach.stretches import load_library
from coach.verdicts import StretchEvaluator

BODY_JOINTS = (
    L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST,
    L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE,
)
HOLD_PHASES = ("correct", "corrected", "mistake")


def _stats(values: Sequence[float]) -> dict[str, float] | None:
    arr = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if arr.size == 0:
        return None
    return {"n": int(arr.size), "mean": round(float(arr.mean()), 2), "median": round(float(np.median(arr)), 2),
            "p90": round(float(np.percentile(arr, 90)), 2), "max": round(float(arr.max()), 2)}


def analyze_clip(video: Path, truth: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """``analyze_video`` on a clip: counted vs true hold seconds, and the cue during the mistake."""
    result = analyze_video(video, stretch_id=truth["stretch_id"], side=truth["side"] or "auto", out_dir=out_dir)
    log = load_session_log(result.outputs.session_log)
    mistake = truth["mistake"]
    window = [f for f in log.frames if mistake["judged_from_s"] <= f["t"] < mistake["end_s"]]
    cues = Counter(f["cue"] for f in window)
    held = float(result.summary["holds"][0]["held_s"])
    return {
        "held_s": round(held, 2),
        "true_held_s": truth["summary"]["held_s"],
        "held_error_s": round(held - truth["summary"]["held_s"], 2),
        "mistake_cue": cues.most_common(1)[0][0] if cues else None,
        "true_mistake_cue": mistake["cue"],
        "mistake_cue_fraction": round(cues.get(mistake["cue"], 0) / max(1, len(window)), 3),
        "mistake_cues": dict(cues.most_common(4)),
        "frames": result.frames,
        "frames_with_person": result.frames_with_person,
        "correct_frames_counted": sum(1 for f in log.frames if f["correct"]),
        "correct_frames_true": truth["summary"]["correct_frames"],
    }


def raw_landmarks(video: Path) -> list:
    """MediaPipe (full model, VIDEO mode, no smoothing) on every frame of a video."""
    out = []
    with PoseEstimator(EstimatorOptions(census_poses=0)) as estimator:
        for frame in VideoFileSource(video):
            out.append(estimator.process(frame.rgb, frame.timestamp_s).landmarks)
    return out


def compare_clip(video: Path, truth: dict[str, Any]) -> dict[str, Any]:
    """Raw MediaPipe landmarks and check values vs the truth, frame by frame."""
    library = load_library()
    stretch = library.stretches[truth["stretch_id"]]
    evaluator = StretchEvaluator(stretch, truth["side"])
    detected = raw_landmarks(video)
    frames = truth["frames"]
    n = min(len(frames), len(detected))
    err_all: list[float] = []
    err_hold: list[float] = []
    per_joint: dict[str, list[float]] = {j.name.lower(): [] for j in BODY_JOINTS}
    checks: dict[str, dict[str, list]] = {c.id: {"diff": [], "agree": []} for c in stretch.checks}
    agree = Counter()
    by_group: dict[str, dict[str, list[float]]] = {"correct": {}, "mistake": {}}
    for k in range(n):
        lm, rec = detected[k], frames[k]
        if lm is None:
            agree["no_person"] += 1
            continue
        true_px = np.asarray(rec["px"])[list(BODY_JOINTS)]
        err = np.linalg.norm(lm.pixels[list(BODY_JOINTS)] - true_px, axis=1)
        err_all.extend(err.tolist())
        verdict = evaluator.evaluate(lm)
        agree[f"true_{rec['correct']}_measured_{verdict.correct}"] += 1
        if rec["phase"] not in HOLD_PHASES:
            continue
        err_hold.extend(err.tolist())
        for joint, e in zip(BODY_JOINTS, err):
            per_joint[joint.name.lower()].append(float(e))
        group = "mistake" if rec["phase"] == "mistake" else "correct"
        for c in verdict.checks:
            by_group[group].setdefault(c.check_id, []).append(c.value)
            t = rec["checks"][c.check_id]
            if t["value"] is not None and math.isfinite(c.value):
                checks[c.check_id]["diff"].append(c.value - t["value"])
            checks[c.check_id]["agree"].append(c.status.value == t["status"])
    return {
        "landmarks_px": {"all_frames": _stats(err_all), "held_poses": _stats(err_hold),
                         "per_joint_held": {k: _stats(v) for k, v in per_joint.items()}},
        "checks_held": {cid: {"measured_minus_true": _stats(v["diff"]),
                              "abs_error": _stats([abs(x) for x in v["diff"]]),
                              "verdict_agreement": round(float(np.mean(v["agree"])), 3) if v["agree"] else None}
                        for cid, v in checks.items()},
        "correct_confusion": dict(agree),
        "measured_check_values": {
            group: {cid: round(float(np.nanmedian(v)), 3) if np.isfinite(v).any() else None
                    for cid, v in ((cid, np.asarray(vals, dtype=float)) for cid, vals in values.items())}
            for group, values in by_group.items()
        },
    }


def check_values_by_phase(video_truth: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Median true value of each check in the correct holds and in the mistake hold
    (compare with ``measured_check_values``: MediaPipe's medians over the same frames)."""
    out: dict[str, dict[str, float]] = {}
    for group, phases in (("correct", ("correct", "corrected")), ("mistake", ("mistake",))):
        values: dict[str, list[float]] = {}
        for f in video_truth["frames"]:
            if f["phase"] in phases:
                for cid, c in f["checks"].items():
                    if c["value"] is not None:
                        values.setdefault(cid, []).append(c["value"])
        out[group] = {cid: round(float(np.median(v)), 3) for cid, v in values.items()}
    return out


def measure_all(sample_dir: Path, only: Sequence[str] | None = None, work_dir: Path | None = None) -> dict[str, Any]:
    clips = {}
    for truth_path in sorted(sample_dir.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text())
        clip_id = truth["clip"]
        if only and clip_id not in only:
            continue
        video = sample_dir / truth["video"]
        with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
            analysis = analyze_clip(video, truth, Path(tmp))
        clips[clip_id] = {
            "stretch_id": truth["stretch_id"],
            "side": truth["side"],
            "view": truth["view"],
            "body_shape": truth["body_shape"],
            "analyze": analysis,
            **compare_clip(video, truth),
            "true_check_values": check_values_by_phase(truth),
        }
        a = analysis
        print(f"{clip_id}: held {a['held_s']} s (true {a['true_held_s']}), mistake cue {a['mistake_cue']!r} "
              f"(true {a['true_mistake_cue']!r}, {a['mistake_cue_fraction']:.0%} of the window)", flush=True)
    return {"model": "pose_landmarker_full (coach/models)", "clips": clips}


__all__ = ["analyze_clip", "compare_clip", "measure_all", "raw_landmarks"]
