"""Ground truth of a sample clip: what the engine says about the exact pose in each frame.

For every output frame the shown pose (see :mod:`coachlab.rendered.clips`) is turned
into exact landmarks with the clip's own camera
(:func:`coachlab.synthetic.body.make_landmarks`, the body's measured proportions) and
judged by the engine itself: :class:`coach.verdicts.StretchEvaluator` gives the
intended per-check verdicts, whether the pose is correct (every gate holds), whether
the depth targets are met, and the cue, and a
:class:`coach.tracker.StretchTracker` with the default settings (the one
``coach analyze`` uses) gives the hold seconds a perfect pose estimator would
produce. So the truth follows the real check definitions in ``poses/*.toml``; if
those change, run ``tools/render_samples.py truth`` (no pictures needed).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from typing import Any

from coach.landmarks import PoseLandmark
from coachlab.rendered.clips import FPS, HOLD_RENDER_INTERVAL_S, IMAGE_SIZE, SAMPLES, _pose_dict, clip_specs, plan_clip
from coachlab.rendered.rig import load_body
from coach.stretches import Library, load_library
from coachlab.synthetic.body import make_landmarks
from coach.tracker import StretchTracker
from coach.verdicts import StretchEvaluator

SCHEMA = "stretch-coach/rendered-truth/1"
STILL_SCHEMA = "stretch-coach/still-truth/1"
#: The first part of the mistake hold is not used to judge the cue: smoothing and
#: hysteresis need a moment to follow the change.
MISTAKE_SETTLE_S = 1.0


def clip_truth(clip_id: str, library: Library | None = None) -> dict[str, Any]:
    """The ground-truth record of one clip (JSON-ready)."""
    library = library or load_library()
    spec = clip_specs()[clip_id]
    jobs, frames = plan_clip(clip_id)
    camera = jobs[0].camera
    body = load_body(spec.shape)
    props = body.proportions
    stretch = library.stretches[spec.stretch_id]
    evaluator = StretchEvaluator(stretch, spec.side)
    tracker = StretchTracker(stretch, spec.side)
    # Every clip begins in the stretch's start position (sitting tall, or on hands and knees):
    # the checks measured against it (scale = "start") take the first frame as their reference.
    start = make_landmarks(frames[0].pose, props, camera, timestamp_s=frames[0].time_s)
    for judge in (evaluator, tracker.evaluator):
        judge.set_start_reference([start])

    records = []
    for f in frames:
        lm = make_landmarks(f.pose, props, camera, timestamp_s=f.time_s)
        verdict = evaluator.evaluate(lm)
        update = tracker.update(lm, f.time_s)
        records.append({
            "i": f.index,
            "t": round(f.time_s, 4),
            "phase": f.phase,
            "render": [f.render_a, f.render_b, round(f.weight, 4)],
            "correct": verdict.correct,
            "intended": verdict.correct if (intent := spec.intended_at(f.time_s)) is None else intent,
            "depth_met": verdict.depth_met,
            "cue": verdict.cue,
            "held_s": round(update.hold.held_s, 3),
            "checks": checks_record(verdict),
            "px": [[round(float(x), 1), round(float(y), 1)] for x, y in lm.pixels],
        })

    bounds = spec.phase_bounds()
    mistake = next((ph, t0, t1) for ph, t0, t1 in bounds if ph.name == "mistake")
    in_mistake = [r for r in records if mistake[1] + MISTAKE_SETTLE_S <= r["t"] < mistake[2]]
    cues = Counter(r["cue"] for r in in_mistake)
    correct_frames = sum(r["correct"] for r in records)
    return {
        "schema": SCHEMA,
        "clip": clip_id,
        "video": f"{clip_id}.mp4",
        "stretch_id": spec.stretch_id,
        "side": spec.side,
        "description": spec.description,
        "body_shape": spec.shape,
        "view": spec.view,
        "fps": FPS,
        "frame_count": len(records),
        "duration_s": round(len(records) / FPS, 4),
        "image_size": list(camera.image_size),
        "camera": {"position": list(camera.position), "target": list(camera.target),
                   "vertical_fov_deg": camera.vertical_fov_deg, "image_size": list(camera.image_size)},
        "proportions": {k: v for k, v in dataclasses.asdict(props).items()},
        "render": {"count": len(jobs), "engine": "Cycles (CPU)", "samples": SAMPLES, "denoise": True,
                   "hold_render_interval_s": HOLD_RENDER_INTERVAL_S},
        "phases": [{"name": ph.name, "kind": ph.kind, "start_s": round(t0, 4), "end_s": round(t1, 4)}
                   for ph, t0, t1 in bounds],
        "mistake": {
            "check": spec.mistake_check,
            "start_s": round(mistake[1], 4),
            "end_s": round(mistake[2], 4),
            "judged_from_s": round(mistake[1] + MISTAKE_SETTLE_S, 4),
            "cue": cues.most_common(1)[0][0] if cues else None,
        },
        "summary": {
            "held_s": round(tracker.timer.snapshot().held_s, 3),
            "correct_s": round(correct_frames / FPS, 3),
            "correct_frames": correct_frames,
            # the script's intent in holds (ClipSpec.intended_at), independent of the checks;
            # in moves, the exact verdict
            "intended_s": round(sum(r["intended"] for r in records) / FPS, 3),
        },
        "landmark_names": [lm.name.lower() for lm in PoseLandmark],
        "render_poses": [_pose_dict(j.pose) for j in jobs],
        "frames": records,
    }


def validate_truth(truth: dict[str, Any], library: Library | None = None) -> list[str]:
    """Problems with a ground-truth record (empty when it is well formed)."""
    problems = []
    for key in ("schema", "clip", "stretch_id", "fps", "frame_count", "frames", "phases", "mistake", "summary"):
        if key not in truth:
            problems.append(f"missing {key}")
    if problems:
        return problems
    if truth["schema"] != SCHEMA:
        problems.append(f"schema {truth['schema']!r} is not {SCHEMA!r}")
    library = library or load_library()
    stretch = library.stretches.get(truth["stretch_id"])
    if stretch is None:
        return problems + [f"unknown stretch {truth['stretch_id']!r}"]
    frames = truth["frames"]
    if len(frames) != truth["frame_count"]:
        problems.append(f"{len(frames)} frame records for frame_count {truth['frame_count']}")
    check_ids = {c.id for c in stretch.checks}
    required = {c.id for c in stretch.checks if c.gate}  # "correct" = every gate holds
    previous = -math.inf
    for k, frame in enumerate(frames):
        if frame["i"] != k:
            problems.append(f"frame {k}: index {frame['i']}")
        if not frame["t"] > previous:
            problems.append(f"frame {k}: time does not increase")
        previous = frame["t"]
        if abs(frame["t"] - k / truth["fps"]) > 1e-3:
            problems.append(f"frame {k}: time {frame['t']} is not {k}/{truth['fps']}")
        if set(frame["checks"]) != check_ids:
            problems.append(f"frame {k}: checks {sorted(frame['checks'])} differ from the stretch's")
            continue
        ok = all(frame["checks"][c]["status"] == "ok" for c in required)
        if ok != frame["correct"]:
            problems.append(f"frame {k}: correct={frame['correct']} but the gates say {ok}")
        if len(frame["px"]) != 33:
            problems.append(f"frame {k}: {len(frame['px'])} landmarks")
        if len(problems) > 20:
            break
    phases = truth["phases"]
    if phases and (phases[0]["start_s"] != 0 or abs(phases[-1]["end_s"] - truth["frame_count"] / truth["fps"]) > 0.1):
        problems.append("phases do not cover the clip")
    return problems


def checks_record(verdict) -> dict[str, dict[str, Any]]:
    """Each check's status and value (4 decimals; None when not measured), JSON-ready: how the
    truth files and the accuracy reports write a verdict's checks."""
    return {c.check_id: {"status": c.status.value, "value": round(c.value, 4) if math.isfinite(c.value) else None}
            for c in verdict.checks}


def _judge(stretch, side, landmarks) -> dict[str, Any]:
    """A fresh evaluator's verdict (no hysteresis carried over) as a JSON-ready record."""
    verdict = StretchEvaluator(stretch, side).evaluate(landmarks)
    return {
        "correct": verdict.correct,
        "depth_met": verdict.depth_met,
        "cue": verdict.cue,
        "checks": checks_record(verdict),
    }


def still_truth(spec, library: Library | None = None) -> dict[str, Any]:
    """Ground truth of one still of the accuracy set (:mod:`coachlab.rendered.stills`):
    the exact landmarks of the rendered pose through the still's own camera, and what
    a fresh :class:`StretchEvaluator` says about them."""
    from coachlab.rendered.stills import spec_camera, spec_pose

    library = library or load_library()
    body = load_body(spec.shape)
    pose = spec_pose(spec)
    camera = spec_camera(spec)
    lm = make_landmarks(pose, body.proportions, camera)
    return {
        "still": spec.still_id,
        "stretch_id": spec.stretch_id,
        "variant": spec.variant,
        "fails": spec.fails,
        "side": spec.side,
        "body_shape": spec.shape,
        "view": spec.view,
        "camera_view": spec.camera_view,
        "recommended": spec.recommended,
        "variation": dataclasses.asdict(spec.variation),
        "camera": {"position": [round(v, 5) for v in camera.position], "target": [round(v, 5) for v in camera.target],
                   "vertical_fov_deg": camera.vertical_fov_deg, "image_size": list(camera.image_size)},
        "pose": _pose_dict(pose),
        **_judge(library.stretches[spec.stretch_id], spec.side, lm),
        "px": [[round(float(x), 2), round(float(y), 2)] for x, y in lm.pixels],
    }


def stills_truth(library: Library | None = None, specs=None) -> dict[str, Any]:
    """The truth of every planned still (JSON-ready; no pictures needed)."""
    from coachlab.rendered.stills import plan_stills

    library = library or load_library()
    specs = plan_stills() if specs is None else specs
    shapes = sorted({s.shape for s in specs})
    return {
        "schema": STILL_SCHEMA,
        "image_size": list(IMAGE_SIZE),
        "render": {"engine": "Cycles (CPU)", "samples": SAMPLES, "denoise": True},
        "proportions": {shape: dataclasses.asdict(load_body(shape).proportions) for shape in shapes},
        "landmark_names": [lm.name.lower() for lm in PoseLandmark],
        "stills": [still_truth(s, library) for s in specs],
    }


__all__ = ["MISTAKE_SETTLE_S", "SCHEMA", "STILL_SCHEMA", "checks_record", "clip_truth", "still_truth", "stills_truth",
           "validate_truth"]
