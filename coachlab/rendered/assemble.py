"""Turn rendered pictures into the sample videos, their ground truth and the doc pictures.

Runs in the app's environment (PyAV, OpenCV); the pictures come from
``tools/render_samples.py render`` (Blender). A picture is used only if its job
description (saved beside it) is the one the clip plan asks for now, so a changed
script never silently mixes old and new renders.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from coachlab.rendered.clips import FPS, IMAGE_SIZE, clip_specs, doc_image_jobs, plan_clip
from coachlab.rendered.truth import clip_truth, validate_truth
from coach.video_writer import AnnotatedVideoWriter

#: x264 quality of the sample videos (higher = smaller files).
CRF = 20


class MissingRenders(RuntimeError):
    """Some pictures of a clip are not rendered (or were rendered for another plan)."""


def _load_render(render_dir: Path, clip_id: str, job) -> np.ndarray:
    png = render_dir / clip_id / f"{job.index:04d}.png"
    meta = png.with_suffix(".json")
    if not (png.is_file() and meta.is_file()):
        raise MissingRenders(f"{png} is missing: run `tools/render_samples.py render` first")
    if json.loads(meta.read_text()) != job.spec():
        raise MissingRenders(f"{png} was rendered for another plan: render again")
    bgr = cv2.imread(str(png), cv2.IMREAD_COLOR)
    if bgr is None:
        raise MissingRenders(f"{png} cannot be read")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def assemble_clip(clip_id: str, render_dir: Path, out_dir: Path) -> dict:
    """Write ``<clip>.mp4`` and ``<clip>.truth.json``; returns the truth."""
    jobs, frames = plan_clip(clip_id)
    images = [_load_render(render_dir, clip_id, job).astype(np.float32) for job in jobs]
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"{clip_id}.mp4"
    tmp = video.with_suffix(".tmp.mp4")
    with AnnotatedVideoWriter(tmp, FPS, IMAGE_SIZE, crf=CRF) as writer:
        for f in frames:
            a, b = images[f.render_a], images[f.render_b]
            picture = a if f.weight == 0.0 else (1.0 - f.weight) * a + f.weight * b
            writer.write(np.clip(picture + 0.5, 0, 255).astype(np.uint8))
        if writer.codec != "h264":
            raise RuntimeError("libx264 is not available: the sample videos must be H.264")
    tmp.replace(video)
    return write_truth(clip_id, out_dir)


def write_truth(clip_id: str, out_dir: Path) -> dict:
    """Write ``<clip>.truth.json`` (no pictures needed: the truth comes from the clip script)."""
    truth = clip_truth(clip_id)
    problems = validate_truth(truth)
    if problems:
        raise RuntimeError(f"{clip_id}: ground truth is not valid: {problems[:5]}")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{clip_id}.truth.json").write_text(json.dumps(truth, separators=(",", ":")) + "\n")
    return truth


def write_all_truth(out_dir: Path, only: Sequence[str] | None = None) -> None:
    """Rewrite every clip's ground truth, e.g. after a change to ``poses/*.toml``."""
    for clip_id in clip_specs():
        if only and clip_id not in only:
            continue
        truth = write_truth(clip_id, out_dir)
        print(f"{clip_id}: truth held {truth['summary']['held_s']} s, mistake cue {truth['mistake']['cue']!r}")


def assemble_all(render_dir: Path, out_dir: Path, docs_dir: Path, only: Sequence[str] | None = None) -> None:
    for clip_id in clip_specs():
        if only and clip_id not in only:
            continue
        truth = assemble_clip(clip_id, render_dir, out_dir)
        size = (out_dir / f"{clip_id}.mp4").stat().st_size
        print(f"{clip_id}: {truth['frame_count']} frames, {size / 1e6:.2f} MB, "
              f"truth held {truth['summary']['held_s']} s, mistake cue {truth['mistake']['cue']!r}")
    for job in doc_image_jobs():
        if only and job.clip_id not in only and "docs" not in only:
            continue
        png = render_dir / job.clip_id / f"{job.index:04d}.png"
        meta = png.with_suffix(".json")
        if not (png.is_file() and meta.is_file()) or json.loads(meta.read_text()) != job.spec():
            print(f"{job.clip_id}: not rendered, skipped")
            continue
        docs_dir.mkdir(parents=True, exist_ok=True)
        target = docs_dir / f"{job.clip_id.removeprefix('docs_')}.png"
        shutil.copyfile(png, target)
        print(f"{target}: {target.stat().st_size / 1e3:.0f} kB")


__all__ = ["CRF", "MissingRenders", "assemble_all", "assemble_clip", "write_all_truth", "write_truth"]
