"""What MediaPipe measures on the rendered sample clips and stills, against their ground truth.

For each committed clip (``sample_videos/<clip>.mp4`` + ``<clip>.truth.json``):

* ``analyze``: ``coach.analyze.analyze_video`` end to end (the same path as
  ``coach analyze``): hold seconds counted vs the truth's, and the cue shown
  during the mistake (after :data:`~coachlab.rendered.truth.MISTAKE_SETTLE_S`);
* ``landmarks_px``: raw MediaPipe landmarks (no smoothing) minus the exact
  projected joints, in pixels, for the 12 body joints (shoulders to ankles), over
  all frames and over the held poses only;
* ``checks``: every check's value measured on the raw MediaPipe landmarks minus
  its value on the exact landmarks (held poses: correct holds and the mistake),
  and how often the two verdicts agree; medians per check in the correct holds
  and in the mistake, measured and true;
* ``correct``: frame-by-frame agreement of "correct" (raw landmarks, no
  smoothing, no timer) with the truth.

For the accuracy stills (:mod:`coachlab.rendered.stills`, rendered on demand into
``build/stills/``), :func:`measure_stills` runs MediaPipe once per picture (IMAGE
mode, one pose: no tracking history) and judges it with a fresh evaluator, like
the truth: landmark error, each check's measurement error, verdict agreement per
check and overall, grouped by stretch x view x body (:func:`stills_table`), and a
summary per stretch from its recommended view(s) (:func:`stills_summary`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
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
from coachlab.rendered.truth import checks_record
import itertools

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
        "intended_s": truth["summary"]["intended_s"],
        "intended_error_s": round(held - truth["summary"]["intended_s"], 2),
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
        print(f"{clip_id}: held {a['held_s']} s (exact joints {a['true_held_s']}, intended {a['intended_s']}), "
              f"mistake cue {a['mistake_cue']!r} "
              f"(true {a['true_mistake_cue']!r}, {a['mistake_cue_fraction']:.0%} of the window)", flush=True)
    return {"model": "pose_landmarker_full (coach/models)", "clips": clips}


# ---------------------------------------------------------------------- stills

#: Target of the issue: overall agreement from the recommended view(s).
AGREEMENT_TARGET = 0.95


class ImageLandmarker:
    """MediaPipe's PoseLandmarker in IMAGE mode, one pose: each picture on its own."""

    def __init__(self, model: str | None = None) -> None:
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import (
            PoseLandmarker,
            PoseLandmarkerOptions,
            RunningMode,
        )

        from coach.estimator import resolve_model_path

        self.model_path = resolve_model_path(model)
        options = PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(self.model_path)),
                                        running_mode=RunningMode.IMAGE, num_poses=1)
        self._landmarker = PoseLandmarker.create_from_options(options)

    def __enter__(self) -> ImageLandmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self._landmarker.close()

    def detect(self, rgb: np.ndarray):
        """The person in a picture, with the live path's second look (an enlarged crop of
        the middle) when the whole picture shows no one (``EstimatorOptions.zoom_fraction``)."""
        import mediapipe as mp

        from coach.estimator import EstimatorOptions, landmarks_from_task_result, uncrop, zoom_box

        size = (rgb.shape[1], rgb.shape[0])
        result = self._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)))
        if result.pose_landmarks:
            return landmarks_from_task_result(result, 0, 0.0, size)
        box = zoom_box(size, EstimatorOptions().zoom_fraction)
        crop = np.ascontiguousarray(rgb[box.y0:box.y0 + box.height, box.x0:box.x0 + box.width])
        result = self._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop))
        if not result.pose_landmarks:
            return None
        return uncrop(landmarks_from_task_result(result, 0, 0.0, (box.width, box.height)), box, size)


def _read_rgb(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def measure_still(landmarker: ImageLandmarker, png: Path, truth: dict[str, Any], stretch) -> dict[str, Any]:
    """MediaPipe on one still against its truth record (JSON-ready)."""
    lm = landmarker.detect(_read_rgb(png))
    out: dict[str, Any] = {"still": truth["still"], "person": lm is not None}
    if lm is None:
        out.update(correct=False, landmark_px=None,
                   checks={cid: {"status": "not_visible", "value": None} for cid in truth["checks"]})
    else:
        true_px = np.asarray(truth["px"])[list(BODY_JOINTS)]
        err = np.linalg.norm(lm.pixels[list(BODY_JOINTS)] - true_px, axis=1)
        verdict = StretchEvaluator(stretch, truth["side"]).evaluate(lm)
        out.update(correct=verdict.correct, cue=verdict.cue, landmark_px=round(float(err.mean()), 2),
                   checks=checks_record(verdict))
    return out


def _agreement(pairs: list[tuple[bool, bool]]) -> dict[str, Any] | None:
    if not pairs:
        return None
    return {"n": len(pairs), "agree": round(sum(a == b for a, b in pairs) / len(pairs), 3)}


def summarise_stills(records: list[tuple[dict, dict]], group_keys: Sequence[str]) -> dict[str, Any]:
    """Per group (``truth[k]`` for k in ``group_keys``): n, landmark error, each check's
    median |measured - true| and pass/fail agreement, overall agreement; plus how the
    correct and the wrong variants fare and how many wrong poses were judged correct."""
    groups: dict[str, list[tuple[dict, dict]]] = {}
    for truth, measured in records:
        key = " | ".join(str(truth[k]) for k in group_keys)
        groups.setdefault(key, []).append((truth, measured))
    out = {}
    for key, items in groups.items():
        check_ids = list(items[0][0]["checks"])
        checks = {}
        for cid in check_ids:
            diffs = [m["checks"][cid]["value"] - t["checks"][cid]["value"] for t, m in items
                     if m["checks"][cid]["value"] is not None and t["checks"][cid]["value"] is not None]
            pairs = [(t["checks"][cid]["status"] == "ok", m["checks"][cid]["status"] == "ok") for t, m in items]
            checks[cid] = {"median_abs_error": round(float(np.median(np.abs(diffs))), 3) if diffs else None,
                           "median_error": round(float(np.median(diffs)), 3) if diffs else None,
                           **(_agreement(pairs) or {})}
        px = [m["landmark_px"] for _, m in items if m["landmark_px"] is not None]
        right = [(t["correct"], m["correct"]) for t, m in items if t["correct"]]
        wrong = [(t["correct"], m["correct"]) for t, m in items if not t["correct"]]
        out[key] = {
            "n": len(items),
            "person_found": sum(m["person"] for _, m in items),
            "landmark_px": round(float(np.mean(px)), 2) if px else None,
            "overall": _agreement([(t["correct"], m["correct"]) for t, m in items]),
            "truly_correct": _agreement(right),
            "truly_wrong": _agreement(wrong),
            "wrong_judged_correct": sum(1 for t, m in items if not t["correct"] and m["correct"]),
            "checks": checks,
        }
    return out


def measure_stills(root: Path, library=None, only: Sequence[str] | None = None,
                   truth: dict[str, Any] | None = None) -> dict[str, Any]:
    """MediaPipe on every rendered still whose picture is current (its job description
    matches today's plan), against the truth of today's stretch files."""
    from coachlab.rendered.stills import plan_stills, still_job, still_png
    from coachlab.rendered.truth import stills_truth

    library = library or load_library()
    specs = [s for s in plan_stills() if not only or any(o in s.still_id for o in only)]
    truth = truth or stills_truth(library, specs)
    by_id = {t["still"]: t for t in truth["stills"]}
    records, missing, stale = [], 0, 0
    with ImageLandmarker() as landmarker:
        for spec in specs:
            png = still_png(root, spec)
            meta = png.with_suffix(".json")
            if not (png.is_file() and meta.is_file()):
                missing += 1
                continue
            if json.loads(meta.read_text()) != still_job(spec).spec():
                stale += 1
                continue
            t = by_id[spec.still_id]
            records.append((t, measure_still(landmarker, png, t, library.stretches[spec.stretch_id])))
    return {
        "model": "pose_landmarker_full (coach/models), IMAGE mode, one pose",
        "planned": len(specs),
        "measured": len(records),
        "missing": missing,
        "stale": stale,
        "by_stretch_view_body": summarise_stills(records, ("stretch_id", "view", "body_shape")),
        "by_stretch_view": summarise_stills(records, ("stretch_id", "view")),
        "recommended_by_variant": summarise_stills([r for r in records if r[0]["recommended"]],
                                                   ("stretch_id", "variant")),
        "summary": stills_summary(records),
        "stills": [{**m, "variant": t["variant"], "view": t["view"], "side": t["side"], "body_shape": t["body_shape"],
                    "true_correct": t["correct"],
                    "true_checks": {k: v["status"] for k, v in t["checks"].items()}} for t, m in records],
    }


def stills_summary(records: list[tuple[dict, dict]]) -> dict[str, Any]:
    """Per stretch, from its recommended view(s): overall agreement on the correct and the
    wrong variants, against :data:`AGREEMENT_TARGET`."""
    out = {}
    for stretch_id in dict.fromkeys(t["stretch_id"] for t, _ in records):
        rec = [(t, m) for t, m in records if t["stretch_id"] == stretch_id and t["recommended"]]
        if not rec:
            continue
        pairs = [(t["correct"], m["correct"]) for t, m in rec]
        agree = sum(a == b for a, b in pairs) / len(pairs)
        out[stretch_id] = {
            "views": sorted({t["view"] for t, _ in rec}),
            "n": len(rec),
            "agreement": round(agree, 3),
            "correct_variants": _agreement([(t["correct"], m["correct"]) for t, m in rec if t["variant"] == "correct"]),
            "wrong_variants": _agreement([(t["correct"], m["correct"]) for t, m in rec if t["variant"] != "correct"]),
            "wrong_judged_correct": sum(1 for t, m in rec if not t["correct"] and m["correct"]),
            "target": AGREEMENT_TARGET,
            "meets_target": agree >= AGREEMENT_TARGET,
        }
    return out


def _pct(a: dict | None) -> str:
    return "-" if not a else f"{100 * a['agree']:.0f}%"


def stills_table(report: dict[str, Any]) -> str:
    """The report as text: one table per stretch (rows view x body), then the summary."""
    lines = []
    groups = report["by_stretch_view_body"]
    stretches = list(dict.fromkeys(k.split(" | ")[0] for k in groups))
    for stretch_id in stretches:
        keys = [k for k in groups if k.startswith(stretch_id + " | ")]
        check_ids = list(groups[keys[0]]["checks"])
        lines.append(f"\n{stretch_id}: overall = 'correct' verdict agrees with the truth; per check: agreement "
                     "(median |error|)")
        head = f"{'view':20s} {'body':6s} {'n':>3s} {'px':>5s} {'overall':>7s} {'W->ok':>5s}  " + "  ".join(
            f"{c[:18]:>18s}" for c in check_ids)
        lines.append(head)
        for k in keys:
            g = groups[k]
            _, view, body = k.split(" | ")
            cells = []
            for c in check_ids:
                ch = g["checks"][c]
                err = "-" if ch["median_abs_error"] is None else f"{ch['median_abs_error']:.2f}"
                cells.append(f"{_pct(ch):>5s} ({err:>7s})   "[:18].rjust(18))
            px = "-" if g["landmark_px"] is None else f"{g['landmark_px']:.1f}"
            lines.append(f"{view:20s} {body:6s} {g['n']:>3d} {px:>5s} {_pct(g['overall']):>7s} "
                         f"{g['wrong_judged_correct']:>5d}  " + "  ".join(cells))
    lines.append("\nFrom the recommended view(s) (target: overall agreement >= 95% on correct and wrong variants):")
    for stretch_id, s in report["summary"].items():
        lines.append(f"  {stretch_id:26s} {', '.join(s['views']):22s} n={s['n']:<4d} overall {100 * s['agreement']:.1f}%"
                     f"  correct variants {_pct(s['correct_variants'])} (n={(s['correct_variants'] or {}).get('n', 0)})"
                     f"  wrong variants {_pct(s['wrong_variants'])} (n={(s['wrong_variants'] or {}).get('n', 0)})"
                     f"  wrong judged correct: {s['wrong_judged_correct']}  "
                     f"{'meets' if s['meets_target'] else 'BELOW'} target")
    lines.append("\nFrom the recommended view(s), per variant:")
    for key, g in report["recommended_by_variant"].items():
        fails = [f"{c} {_pct(ch)}" for c, ch in g["checks"].items() if ch.get("agree", 1) < 1]
        lines.append(f"  {key:60s} n={g['n']:<3d} overall {_pct(g['overall']):>5s}  "
                     f"disagreeing checks: {', '.join(fails) or '-'}")
    lines.append(f"\n{report['measured']} of {report['planned']} planned stills measured "
                 f"({report['missing']} not rendered, {report['stale']} rendered from an older plan).")
    return "\n".join(lines)


# ---------------------------------------------------------------------- the wide set

#: Targets of issue 13, on the test part of the wide set, per stretch, body and camera band.
CORRECT_ACCEPT_TARGET = 0.95
WRONG_ACCEPT_LIMIT = 0.05


def _exact_checks(truth: dict[str, Any], stretch) -> dict[str, Any]:
    """What a fresh evaluator says about the still's exact landmarks (today's stretch file)."""
    from coachlab.rendered.wide import truth_landmarks

    verdict = StretchEvaluator(stretch, truth["side"]).evaluate(truth_landmarks(truth))
    return {"exact_correct": verdict.correct,
            "exact_checks": {c.check_id: None if not math.isfinite(c.value) else round(c.value, 4)
                             for c in verdict.checks}}


@dataclass(frozen=True)
class WideRecords:
    """The wide set's stills judged on both of MediaPipe's readings: of the rendered picture,
    and of the picture after H.264 (the first frame of a still video: what a video file or
    a camera stream gives). A still read before the H.264 reading was kept, and not
    rendered here since, is only in ``picture``."""

    picture: list[dict[str, Any]]
    after_h264: list[dict[str, Any]]

    def reading(self, after_h264: bool) -> list[dict[str, Any]]:
        return self.after_h264 if after_h264 else self.picture


def wide_records(root: Path, part: str | None, library=None, limit: int = 0,
                 cache: Path | None = None, rendered_only: bool = False) -> WideRecords:
    """Every still of the wide set (of one part, or all) run through the judging step of
    ``coach analyze`` (MediaPipe, then the stretch's checks; only the gates decide accept /
    reject), with its truth, judged by today's stretch files (``variety.is_correct``), on
    both readings in one pass (the exact pose is judged once per still).

    MediaPipe's landmarks come from ``cache`` (``sample_videos/wide_landmarks.npz`` by
    default) when the still's render job is unchanged, so the set can be re-judged without
    its pictures; stills rendered in ``root/build/wide`` but not in the cache (or changed,
    or rendered again, since) are detected and added to it. A still in neither is left out.
    ``limit`` stops after that many stills; ``rendered_only`` leaves out the stills not
    rendered in ``root/build/wide`` (their truth would have to be solved from the plan)."""
    from coachlab.rendered import wide_landmarks as wl
    from coachlab.rendered.wide import plan_wide, still_truth, truth_path, wide_png

    cache = cache or wl.LANDMARKS_FILE
    library = library or load_library()
    cached = wl.load(cache)
    fresh: dict[str, wl.Detection] = {}
    out = WideRecords([], [])
    landmarker: ImageLandmarker | None = None
    with contextlib.ExitStack() as stack:  # the landmarker is opened only if a picture needs it
        for spec in plan_wide():
            if part and spec.part != part:
                continue
            if limit and len(out.picture) >= limit:
                break
            png = wide_png(root, spec)
            if not png.is_file() and (rendered_only or spec.still_id not in cached):
                continue
            truth_file = truth_path(png)
            truth = json.loads(truth_file.read_text()) if truth_file.is_file() else still_truth(spec)
            known = cached.get(spec.still_id)
            rendered = png.is_file() and truth_file.is_file()
            png_sha = _sha256(png) if rendered else ""  # all 1,200 PNGs hash in under a second
            if known is None or not known.shows(truth) or (rendered and known.png_sha256 != png_sha):
                if not rendered:
                    continue  # neither rendered nor detected for what the plan says today
                landmarker = landmarker or stack.enter_context(ImageLandmarker())
                rgb = _read_rgb(png)
                known = fresh[spec.still_id] = wl.Detection(wl.Picture.of(truth), landmarker.detect(rgb),
                                                            landmarker.detect(after_h264_round_trip(rgb)),
                                                            h264_looked=True, png_sha256=png_sha)
            stretch = library.stretches[truth["stretch_id"]]
            shared = {**_truth_fields(truth, stretch), **_exact_checks(truth, stretch)}
            out.picture.append({**shared, **_judged(known.landmarks, stretch, truth["side"])})
            if known.h264_looked:
                out.after_h264.append({**shared, **_judged(known.after_h264, stretch, truth["side"])})
    if fresh:
        wl.save({**cached, **fresh}, cache)
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def after_h264_round_trip(rgb: np.ndarray) -> np.ndarray:
    """The picture as the first frame of an H.264 still video decodes (what ``coach analyze``
    reads of it; ``still_videos.write_still_video``)."""
    from coachlab.rendered.still_videos import first_frame, write_still_video

    with tempfile.TemporaryDirectory() as folder:
        return first_frame(write_still_video(rgb, Path(folder) / "still.mp4"))


def _truth_fields(truth: dict[str, Any], stretch) -> dict[str, Any]:
    """What the still shows and whether today's stretch file calls that correct."""
    from coachlab.synthetic import variety

    roles = {c.id: c.role for c in stretch.checks}
    rec = {k: truth[k] for k in ("still_id", "part", "stretch_id", "kind", "body", "side", "view",
                                 "camera_height_m", "camera_distance_m", "yaw_deg", "height_band",
                                 "breaks", "params")}
    rec["correct"] = variety.is_correct(truth["stretch_id"], tuple(truth["breaks"]), roles)
    rec["broken_gates"] = variety.broken_gates(truth["stretch_id"], tuple(truth["breaks"]), roles)
    return rec


def _judged(lm, stretch, side: str) -> dict[str, Any]:
    """The stretch's verdict on one of MediaPipe's readings (None: no person found), and, for a
    two-sided stretch, the verdict of the other side's hold on the same picture: the person
    doing this side while the coach waits for the other (``other_side_accepted``: that hold
    would count; ``other_side_named``: the coach says it is the other side)."""
    if lm is None:
        return {"person": False, "accepted": False, "cue": None, "checks": {},
                "other_side_accepted": None, "other_side_named": None}
    verdict = StretchEvaluator(stretch, side).evaluate(lm)
    other = StretchEvaluator(stretch, "left" if side == "right" else "right").evaluate(lm) if side else None
    return {"person": True, "accepted": verdict.correct, "cue": verdict.cue, "checks": checks_record(verdict),
            "other_side_accepted": None if other is None else other.correct,
            "other_side_named": None if other is None else other.wrong_side}


def wilson_interval(accepted: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % (Wilson score) interval of a share ``accepted`` of ``n``.

    Why: the wide set's cells hold 3-90 stills, so a cell's rate could move a lot with
    another sample of the same size; the interval says how much. Wilson's rather than the
    normal approximation because it stays inside 0-1 and is sound at 0 of n and n of n,
    which the small cells often are. Five lines of arithmetic, so no statistics package
    (scipy, statsmodels) is added for it."""
    if n <= 0:
        raise ValueError("an interval needs at least one still")
    share = accepted / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _rate(flags: list[bool]) -> dict[str, Any] | None:
    if not flags:
        return None
    low, high = wilson_interval(sum(flags), len(flags))
    return {"n": len(flags), "accepted": sum(flags), "rate": round(sum(flags) / len(flags), 3),
            "interval_95": [round(low, 3), round(high, 3)]}


def _accept_rates(recs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"correct_accepted": _rate([r["accepted"] for r in recs if r["correct"]]),
            "wrong_accepted": _rate([r["accepted"] for r in recs if not r["correct"]]),
            "person_found": sum(r["person"] for r in recs), "n": len(recs)}


def wide_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Accept rates per stretch, per kind, per body type and per camera-height band."""
    out: dict[str, Any] = {"targets": {"correct_accepted_min": CORRECT_ACCEPT_TARGET,
                                       "wrong_accepted_max": WRONG_ACCEPT_LIMIT},
                           "n": len(records), "stretches": {}}
    for stretch_id in dict.fromkeys(r["stretch_id"] for r in records):
        recs = [r for r in records if r["stretch_id"] == stretch_id]
        groups: dict[str, dict[str, Any]] = {}
        for key in ("kind", "body", "height_band"):
            values = sorted({r[key] for r in recs})
            groups[key] = {v: _accept_rates([r for r in recs if r[key] == v]) for v in values}
        exact = _rate([r["exact_correct"] == r["correct"] for r in recs])
        # Correct poses judged for the other side's hold: a wrong pose for that hold.
        mirrored = [r for r in recs if r["correct"] and r.get("other_side_accepted") is not None]
        out["stretches"][stretch_id] = {**_accept_rates(recs), **groups,
                                        "exact_landmarks_agree_with_truth": exact,
                                        "other_side_accepted": _rate([r["other_side_accepted"] for r in mirrored]),
                                        "other_side_named": _rate([r["other_side_named"] for r in mirrored])}
    return out


def _fmt(rate: dict[str, Any] | None) -> str:
    if not rate:
        return "–"
    low, high = rate["interval_95"]
    return f"{100 * rate['rate']:.0f}% ({rate['accepted']}/{rate['n']}; {100 * low:.0f}-{100 * high:.0f}%)"


#: How the picture was read, for the tables' headings (``WideRecords.reading``).
READINGS = {False: "the rendered picture", True: "the picture after H.264 (the first frame of a still video)"}


def wide_markdown(report: dict[str, Any], part: str, date: str, planned: int | None = None,
                  after_h264: bool = False) -> str:
    """Markdown tables for the README: per stretch, per kind, per body type, per camera band."""
    measured = sum(s["n"] for s in report["stretches"].values())
    of_planned = f"{measured} of the {planned} planned stills" if planned else f"{measured} stills"
    lines = [(f"Wide render set, {part} part ({of_planned}), measured {date} (MediaPipe full model, IMAGE mode on "
              f"{READINGS[after_h264]}; accepted = every gate of the stretch file holds). Targets: correct "
              "accepted ≥ 95 %, wrong accepted ≤ 5 %. After each count, its 95 % interval (Wilson): where the rate "
              "could lie on another sample of that size."), "",
             "| stretch | n | correct accepted | wrong accepted |", "|---|---|---|---|"]
    for sid, s in report["stretches"].items():
        lines.append(f"| {sid} | {s['n']} | {_fmt(s['correct_accepted'])} | {_fmt(s['wrong_accepted'])} |")
    for key, title in (("kind", "kind (correct or mistake)"), ("body", "body type"),
                       ("height_band", "camera height")):
        lines += ["", f"| stretch | {title} | correct accepted | wrong accepted |", "|---|---|---|---|"]
        for sid, s in report["stretches"].items():
            for v, g in s[key].items():
                lines.append(f"| {sid} | {v} | {_fmt(g['correct_accepted'])} | {_fmt(g['wrong_accepted'])} |")
    two_sided = {sid: s for sid, s in report["stretches"].items() if s.get("other_side_accepted")}
    if two_sided:
        lines += ["", "The same correct poses judged for the other side's hold (the person does the left while "
                  "the coach waits for the right): how often that hold would count (a wrong pose accepted), and "
                  "how often the coach names the other side.", "",
                  "| stretch | other side's hold counted | other side named |", "|---|---|---|"]
        for sid, s in two_sided.items():
            lines.append(f"| {sid} | {_fmt(s['other_side_accepted'])} | {_fmt(s['other_side_named'])} |")
    return "\n".join(lines) + "\n"


def best_limit(good: list[float], bad: list[float], side: str, max_bad: float = WRONG_ACCEPT_LIMIT
               ) -> dict[str, Any] | None:
    """The limit that accepts the most ``good`` values while accepting at most ``max_bad``
    of the ``bad`` ones; ``side`` "min" accepts values >= the limit, "max" <= it.
    Candidates are midpoints between neighbouring observed values."""
    if not good:
        return None
    values = sorted(set(good) | set(bad))
    cands = [values[0] - 1e-6, values[-1] + 1e-6] + [(a + b) / 2 for a, b in itertools.pairwise(values)]
    best = None
    for t in cands:
        acc_good = sum((v >= t) if side == "min" else (v <= t) for v in good) / len(good)
        acc_bad = (sum((v >= t) if side == "min" else (v <= t) for v in bad) / len(bad)) if bad else 0.0
        if acc_bad <= max_bad + 1e-12:
            key = (acc_good, -acc_bad, (t if side == "max" else -t))
            if best is None or key > best[0]:
                best = (key, t, acc_good, acc_bad)
    if best is None:
        return None
    return {"limit": round(best[1], 4), "correct_accepted": round(best[2], 3), "wrong_accepted": round(best[3], 3)}


def _pcts(values: list[float]) -> str:
    if not values:
        return "–"
    q = np.percentile(values, [0, 5, 25, 50, 75, 95, 100])
    return " ".join(f"{v:.2f}" for v in q)


def calibrate(records: list[dict[str, Any]], library=None) -> dict[str, Any]:
    """On the calibration part: for each gate check, its measured (MediaPipe) value on the
    correct stills and on the stills whose mistake breaks that check, and the limit(s)
    that best separate them (most correct stills accepted with at most 5 % of those
    wrong ones). Suggestions only: the stretch files are not edited."""
    library = library or load_library()
    out: dict[str, Any] = {}
    for stretch_id in dict.fromkeys(r["stretch_id"] for r in records):
        stretch = library.stretches[stretch_id]
        recs = [r for r in records if r["stretch_id"] == stretch_id and r["person"]]
        for check in stretch.checks:
            if not check.gate:
                continue

            def vals(rs: list[dict[str, Any]], cid: str = check.id) -> list[float]:
                return [r["checks"][cid]["value"] for r in rs if r["checks"].get(cid, {}).get("value") is not None]

            good = vals([r for r in recs if r["correct"]])
            bad = vals([r for r in recs if check.id in r["breaks"]])
            entry: dict[str, Any] = {"current": {"min": check.target.min, "max": check.target.max},
                                     "correct": {"n": len(good), "percentiles_0_5_25_50_75_95_100": _pcts(good)},
                                     "wrong_for_check": {"n": len(bad), "percentiles_0_5_25_50_75_95_100": _pcts(bad)}}
            median = float(np.median(good)) if good else 0.0
            if check.target.min is not None:
                entry["suggested_min"] = best_limit(good, [b for b in bad if b < median] if check.target.max
                                                    is not None else bad, "min")
            if check.target.max is not None:
                entry["suggested_max"] = best_limit(good, [b for b in bad if b > median] if check.target.min
                                                    is not None else bad, "max")
            out[f"{stretch_id}.{check.id}"] = entry
    return out


def calibration_text(result: dict[str, Any]) -> str:
    lines = ["Gate checks on the CALIBRATION part (MediaPipe values; percentiles 0 5 25 50 75 95 100).",
             ("Suggested limit: most correct stills accepted with at most 5 % of the stills whose mistake breaks "
              "the check accepted. Suggestions only; poses/*.toml are not edited.")]
    for key, e in result.items():
        lines.append(f"\n{key}  (current: min {e['current']['min']}, max {e['current']['max']})")
        lines.append(f"  correct         n={e['correct']['n']:<4d} {e['correct']['percentiles_0_5_25_50_75_95_100']}")
        lines.append(f"  wrong for check n={e['wrong_for_check']['n']:<4d} "
                     f"{e['wrong_for_check']['percentiles_0_5_25_50_75_95_100']}")
        for side in ("suggested_min", "suggested_max"):
            if side in e:
                s = e[side]
                lines.append(f"  {side}: " + ("none meets the 5 % bound" if s is None else
                                              f"{s['limit']}  (correct accepted {100 * s['correct_accepted']:.0f}%, "
                                              f"wrong accepted {100 * s['wrong_accepted']:.0f}%)"))
    return "\n".join(lines)


__all__ = [
    "AGREEMENT_TARGET",
    "CORRECT_ACCEPT_TARGET",
    "WRONG_ACCEPT_LIMIT",
    "ImageLandmarker",
    "analyze_clip",
    "best_limit",
    "calibrate",
    "calibration_text",
    "compare_clip",
    "measure_all",
    "measure_still",
    "measure_stills",
    "raw_landmarks",
    "stills_summary",
    "stills_table",
    "summarise_stills",
    "wide_markdown",
    "WideRecords",
    "wide_records",
    "wide_report",
    "wilson_interval",
]
