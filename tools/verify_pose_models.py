#!/usr/bin/env python3
"""Prove that the pose landmarker bundles built by build_pose_models.py are right.

Why: the bundles are assembled by us (weights from registry packages plus
metadata we add), not downloaded from Google, so we check them end to end
instead of trusting them:

1. Integrity and structure: SHA256SUMS matches; each ``.task`` is a stored zip
   with 4-byte aligned ``pose_detector.tflite`` and
   ``pose_landmarks_detector.tflite``; the detector is the pinned file; the
   landmark model's metadata says RGB input, mean 0 / std 255, five outputs.
2. It works with the app's mediapipe (Tasks API ``PoseLandmarker``): the
   person in scikit-image's ``astronaut`` picture is found (IMAGE mode), and in
   VIDEO mode on a generated 30-frame clip (the astronaut shifted and scaled).
3. It agrees with MediaPipe's own legacy pipeline: ``mp.solutions.pose.Pose``
   (model_complexity=1, static_image_mode=True) from ``mediapipe==0.10.21``
   runs on the same frames in a throwaway venv (it pins numpy<2 and
   protobuf<5, so it cannot live next to the app). The check is on IMAGE mode
   (same models, same algorithm); VIDEO mode is also compared, with legacy
   static and legacy tracking mode, for information. The script talks to the
   venv via ``subprocess`` with JSON on stdin/stdout. The same legacy process also
   re-creates the landmark model with the 0.10.21 metadata writer and its real
   native parser-version helper, which checks the pure-Python shim the build
   uses (the bytes should be identical).
4. Speed: ms/frame in VIDEO mode for each bundle, pinned to one CPU core.

Nothing here is needed by the app at runtime.

How to run (from the repository root, with the app's Python)::

    python tools/verify_pose_models.py --setup-legacy   # once: creates /tmp/legacy-venv
    python tools/verify_pose_models.py                  # all checks
    python tools/verify_pose_models.py --skip-legacy    # without the legacy venv

``--setup-legacy`` runs ``python -m venv`` and ``pip install mediapipe==0.10.21``
(needs a Python 3.9-3.12). The astronaut picture is read from an installed
scikit-image if there is one, else from the scikit-image wheel fetched with
``pip download --no-deps`` into ``--work-dir``. The legacy results can be kept in
a file with ``--legacy-json`` (reused while frames and bundles are unchanged).
Exit status is non-zero if any check fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_pose_models as build  # noqa: E402  (pins and helpers shared with the build)

DEFAULT_LEGACY_PYTHON = Path("/tmp/legacy-venv/bin/python")
LEGACY_MEDIAPIPE = "mediapipe==0.10.21"

# The astronaut picture (skimage.data.astronaut(), NASA, public domain).
SKIMAGE_REQUIREMENT = "scikit-image==0.26.0"
ASTRONAUT_MEMBER = "skimage/data/astronaut.png"
ASTRONAUT_SHA256 = "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"

# Generated clip: the astronaut placed on a 640x480 grey canvas, slowly
# zooming and drifting, so that VIDEO-mode tracking has something to follow.
CLIP_SIZE = (640, 480)
CLIP_FPS = 30.0

# A landmark counts as visible when the legacy model gives it visibility >= 0.5
# and it lies inside the frame.
VISIBILITY_THRESHOLD = 0.5
LANDMARK_COUNT = 33


@dataclasses.dataclass
class Report:
    """Collects pass/fail lines so that every check runs even after a failure."""

    failures: list[str] = dataclasses.field(default_factory=list)

    def check(self, ok: bool, message: str) -> bool:
        print(f"  [{'ok' if ok else 'FAIL'}] {message}", flush=True)
        if not ok:
            self.failures.append(message)
        return ok

    def info(self, message: str) -> None:
        print(f"  {message}", flush=True)


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------

def load_astronaut(work_dir: Path) -> np.ndarray:
    """Returns skimage's astronaut as RGB uint8 (512x512x3), without the network if possible."""
    try:
        from skimage import data  # type: ignore[import-not-found]

        return np.ascontiguousarray(data.astronaut())
    except ImportError:
        pass
    import cv2

    dest = work_dir / "skimage"
    wheels = sorted(dest.glob("scikit_image-*.whl")) if dest.is_dir() else []
    if not wheels:
        dest.mkdir(parents=True, exist_ok=True)
        # Any platform's wheel holds the same PNG; pin one so the download works
        # whatever the host Python is. --no-deps: nothing is installed.
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "--disable-pip-version-check", "--only-binary=:all:",
                        "--implementation", "cp", "--python-version", "3.11", "--abi", "cp311",
                        "--platform", "manylinux_2_28_x86_64", "-d", str(dest),
                        SKIMAGE_REQUIREMENT], check=True, stdout=sys.stderr)
        wheels = sorted(dest.glob("scikit_image-*.whl"))
    png = build.read_wheel_member(wheels[-1], ASTRONAUT_MEMBER)
    build.check_sha256(ASTRONAUT_MEMBER, png, ASTRONAUT_SHA256)
    bgr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def make_clip(image: np.ndarray, count: int) -> list[np.ndarray]:
    """Returns `count` RGB frames of the image zooming (0.80-0.92x) and drifting (+-40 px)."""
    import cv2

    width, height = CLIP_SIZE
    frames = []
    for i in range(count):
        t = i / max(count - 1, 1)
        scale = 0.80 + 0.12 * t
        dx = 40.0 * math.sin(2 * math.pi * t)
        dy = 10.0 * math.cos(2 * math.pi * t)
        h, w = image.shape[:2]
        matrix = np.array([[scale, 0, (width - w * scale) / 2 + dx],
                           [0, scale, (height - h * scale) / 2 + dy]], np.float64)
        frames.append(cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128)))
    return frames


def frames_digest(frames: Sequence[np.ndarray]) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(str(frame.shape).encode())
        digest.update(frame.tobytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------
# 1. Integrity and structure
# --------------------------------------------------------------------------

def check_files(models_dir: Path, variants: Sequence[str], report: Report) -> None:
    from mediapipe.tasks.metadata import metadata_schema_py_generated as fb

    print("1. files and structure", flush=True)
    sums_path = models_dir / "SHA256SUMS"
    sums = build.read_sha256sums(sums_path)
    for name in variants:
        path = models_dir / build.VARIANTS[name].bundle_name
        data = path.read_bytes()
        actual = build.sha256_bytes(data)
        report.info(f"{path.name}: {len(data)} bytes, sha256 {actual}")
        report.check(sums.get(path.name) == actual, f"{path.name} matches SHA256SUMS")
        try:
            build.check_bundle(path)
            report.check(True, f"{path.name}: stored zip, 4-byte aligned, two expected entries")
        except SystemExit as err:
            report.check(False, str(err))
            continue
        with zipfile.ZipFile(path) as zf:
            detector = zf.read(build.DETECTOR_ENTRY)
            landmarks = zf.read(build.LANDMARKS_ENTRY)
        report.check(build.sha256_bytes(detector) == build.DETECTOR_SHA256,
                     f"{path.name}: detector is the pinned pose_detection.tflite")
        buf = build.metadata_buffer(landmarks)
        if not report.check(buf is not None, f"{path.name}: landmark model has metadata"):
            continue
        md = fb.ModelMetadataT.InitFromObj(fb.ModelMetadata.GetRootAsModelMetadata(buf, 0))
        sg = md.subgraphMetadata[0]
        image = sg.inputTensorMetadata[0]
        norm = image.processUnits[0].options
        report.check(
            len(sg.inputTensorMetadata) == 1
            and image.content.contentPropertiesType == fb.ContentProperties.ImageProperties
            and image.content.contentProperties.colorSpace == fb.ColorSpaceType.RGB
            and list(norm.mean) == build.NORM_MEAN and list(norm.std) == build.NORM_STD,
            f"{path.name}: input metadata RGB image, mean {[float(x) for x in norm.mean]}, "
            f"std {[float(x) for x in norm.std]}")
        names = [t.name.decode() for t in sg.outputTensorMetadata]
        report.check(names == [n for n, _ in build.OUTPUT_METADATA],
                     f"{path.name}: outputs {names}")
        report.check(md.minParserVersion.decode() == "1.0.0",
                     f"{path.name}: min parser version {md.minParserVersion.decode()}")


# --------------------------------------------------------------------------
# 2. Tasks API (the app's mediapipe)
# --------------------------------------------------------------------------

def landmarker_options(path: Path, video: bool) -> Any:
    from mediapipe.tasks.python import BaseOptions, vision

    return vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=1)


def to_pixels(landmarks: Any, width: int, height: int) -> list[list[float]]:
    return [[lm.x * width, lm.y * height, lm.visibility] for lm in landmarks]


def run_tasks(path: Path, frames: Sequence[np.ndarray], video: bool) -> list[list[list[float]] | None]:
    """Runs PoseLandmarker on frames; returns per frame [[x_px, y_px, visibility]*33] or None."""
    import mediapipe as mp
    from mediapipe.tasks.python import vision

    results: list[list[list[float]] | None] = []
    with vision.PoseLandmarker.create_from_options(landmarker_options(path, video)) as landmarker:
        for i, frame in enumerate(frames):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))
            result = (landmarker.detect_for_video(image, int(i * 1000 / CLIP_FPS)) if video
                      else landmarker.detect(image))
            h, w = frame.shape[:2]
            results.append(to_pixels(result.pose_landmarks[0], w, h) if result.pose_landmarks else None)
    return results


def check_astronaut(result: list[list[float]] | None, label: str, report: Report) -> None:
    """The astronaut is a head-and-torso shot: face near the top centre, shoulders visible."""
    if not report.check(result is not None, f"{label}: a person is detected in the astronaut image"):
        return
    assert result is not None
    nose, left_sh, right_sh = result[0], result[11], result[12]
    face_ok = 150 <= nose[0] <= 300 and 50 <= nose[1] <= 200
    shoulders_ok = min(left_sh[2], right_sh[2]) >= VISIBILITY_THRESHOLD and left_sh[0] > right_sh[0]
    report.check(face_ok and shoulders_ok,
                 f"{label}: nose at ({nose[0]:.0f}, {nose[1]:.0f}) px, shoulders visible "
                 f"({right_sh[0]:.0f} -> {left_sh[0]:.0f} px)")


# --------------------------------------------------------------------------
# 3. Legacy comparison (subprocess into the mediapipe 0.10.21 venv)
# --------------------------------------------------------------------------

# Runs inside the legacy venv. Request (stdin JSON): {"frames": [png paths],
# "clip_start": index of the first clip frame, "tools_dir": str, "bundles":
# {variant: path}, "sources": {variant: path of the original npm .tflite}}.
# Reply: one stdout line "LEGACY_JSON " + JSON with "landmarks" (static mode, per
# frame [[x_px, y_px, visibility]*33] or null), "tracking_landmarks" (tracking
# mode with smoothing, clip frames only, 30 fps like our VIDEO timestamps),
# "mediapipe", "flatbuffers" and "writer": {variant: {"rebuilt_sha256",
# "bundle_sha256", "parser_version"}}.
LEGACY_HELPER = r'''
import json, sys, zipfile, hashlib
from pathlib import Path
import cv2, flatbuffers, mediapipe as mp
req = json.load(sys.stdin)
sys.path.insert(0, req["tools_dir"])
import build_pose_models as build
from mediapipe.tasks.cc.metadata.python import _pywrap_metadata_version
out = {"mediapipe": mp.__version__, "flatbuffers": flatbuffers.__version__, "writer": {}}
def run(paths, static):
    found = []
    with mp.solutions.pose.Pose(static_image_mode=static, model_complexity=1, smooth_landmarks=True,
                                enable_segmentation=False, min_detection_confidence=0.5) as pose:
        for path in paths:
            rgb = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            h, w = rgb.shape[:2]
            res = pose.process(rgb)
            found.append(None if res.pose_landmarks is None else
                [[lm.x * w, lm.y * h, lm.visibility] for lm in res.pose_landmarks.landmark])
    return found
out["landmarks"] = run(req["frames"], True)
out["tracking_landmarks"] = run(req["frames"][req["clip_start"]:], False)
for variant, bundle in req["bundles"].items():
    ours = zipfile.ZipFile(bundle).read(build.LANDMARKS_ENTRY)
    rebuilt = build.add_landmark_metadata(Path(req["sources"][variant]).read_bytes(), variant)
    out["writer"][variant] = {
        "bundle_sha256": hashlib.sha256(ours).hexdigest(),
        "rebuilt_sha256": hashlib.sha256(rebuilt).hexdigest(),
        "parser_version": _pywrap_metadata_version.GetMinimumMetadataParserVersion(
            bytes(build.metadata_buffer(ours))),
    }
print("LEGACY_JSON " + json.dumps(out))
'''


def setup_legacy_venv(python: Path) -> None:
    """Creates the throwaway legacy venv (python = <venv>/bin/python) if missing."""
    if python.exists():
        print(f"legacy venv already there: {python}")
        return
    venv = python.parent.parent
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                    LEGACY_MEDIAPIPE], check=True)


def run_legacy(python: Path, frames: Sequence[np.ndarray], clip_start: int,
               bundles: dict[str, Path], sources: dict[str, Path]) -> dict[str, Any]:
    """Runs LEGACY_HELPER in the legacy venv on PNG copies of the frames."""
    import cv2

    with tempfile.TemporaryDirectory(prefix="pose-legacy-") as tmp:
        paths = []
        for i, frame in enumerate(frames):
            path = Path(tmp) / f"frame_{i:03d}.png"  # lossless: both sides see the same pixels
            cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            paths.append(str(path))
        request = {"frames": paths, "clip_start": clip_start,
                   "tools_dir": str(Path(__file__).resolve().parent),
                   "bundles": {k: str(v) for k, v in bundles.items()},
                   "sources": {k: str(v) for k, v in sources.items()}}
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        proc = subprocess.run([str(python), "-c", LEGACY_HELPER], input=json.dumps(request),
                              capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("LEGACY_JSON "):
            return json.loads(line[len("LEGACY_JSON "):])
    raise RuntimeError(f"legacy helper failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


# Face and shoulders (0-12) are really in the astronaut picture. Its lower
# edge is at the waist, so hips, knees and feet are guesses of the model, and
# the tracking pipelines (VIDEO mode) guess them differently from frame to frame.
UPPER_BODY = range(0, 13)


def landmark_errors(ours: Sequence[list[list[float]] | None],
                    legacy: Sequence[list[list[float]] | None],
                    sizes: Sequence[tuple[int, int]],
                    indices: Sequence[int] = range(LANDMARK_COUNT)) -> tuple[list[float], int]:
    """Pixel distances over landmarks the legacy run sees (visibility, in frame).

    Returns (distances, number of frames where exactly one side found nobody).
    """
    distances: list[float] = []
    missed = 0
    for a, b, (w, h) in zip(ours, legacy, sizes, strict=True):
        if a is None or b is None:
            missed += (a is None) != (b is None)
            continue
        for j in indices:
            pa, pb = a[j], b[j]
            if pb[2] >= VISIBILITY_THRESHOLD and 0 <= pb[0] < w and 0 <= pb[1] < h:
                distances.append(math.hypot(pa[0] - pb[0], pa[1] - pb[1]))
    return distances, missed


def describe(dists: Sequence[float]) -> str:
    if not dists:
        return "no visible landmarks"
    return f"mean {statistics.fmean(dists):.2f} px, max {max(dists):.2f} px over {len(dists)}"


# --------------------------------------------------------------------------
# 4. Timing
# --------------------------------------------------------------------------

def time_video(path: Path, frames: Sequence[np.ndarray], count: int, warmup: int = 10) -> list[float]:
    """Returns per-frame wall times (ms) of detect_for_video over `count` frames."""
    import mediapipe as mp
    from mediapipe.tasks.python import vision

    images = [mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(f)) for f in frames]
    times: list[float] = []
    with vision.PoseLandmarker.create_from_options(landmarker_options(path, True)) as landmarker:
        for i in range(warmup + count):
            image = images[i % len(images)]
            start = time.perf_counter()
            landmarker.detect_for_video(image, int(i * 1000 / CLIP_FPS))
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    return times


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-dir", type=Path, default=build.PACKAGE_MODELS_DIR,
                        help="directory with the .task files and SHA256SUMS (default: coach/models)")
    parser.add_argument("--variant", action="append", choices=sorted(build.VARIANTS),
                        help="bundle to check; repeat for several (default: full and lite)")
    parser.add_argument("--work-dir", type=Path, default=build.DEFAULT_WORK_DIR,
                        help=f"download cache shared with the build (default: {build.DEFAULT_WORK_DIR})")
    parser.add_argument("--legacy-python", type=Path, default=DEFAULT_LEGACY_PYTHON,
                        help=f"python of the {LEGACY_MEDIAPIPE} venv (default: {DEFAULT_LEGACY_PYTHON})")
    parser.add_argument("--setup-legacy", action="store_true",
                        help="create the legacy venv at --legacy-python's venv and exit")
    parser.add_argument("--legacy-json", type=Path,
                        help="cache file for the legacy results "
                             "(read if it matches the frames and bundles, else written)")
    parser.add_argument("--skip-legacy", action="store_true", help="skip the legacy comparison")
    parser.add_argument("--frames", type=int, default=30, help="frames in the generated clip (default 30)")
    parser.add_argument("--timing-frames", type=int, default=200,
                        help="timed VIDEO-mode frames per bundle (default 200; 0 skips timing)")
    parser.add_argument("--all-cores", action="store_true",
                        help="do not pin the timing run to one CPU core")
    parser.add_argument("--max-mean-px", type=float, default=2.0,
                        help="max mean landmark distance, full IMAGE mode vs legacy (default 2 px)")
    parser.add_argument("--max-px", type=float, default=10.0,
                        help="max single landmark distance, full IMAGE mode vs legacy (default 10 px)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.setup_legacy:
        setup_legacy_venv(args.legacy_python)
        return 0
    import mediapipe

    variants = list(dict.fromkeys(args.variant or build.DEFAULT_VARIANTS))
    models_dir = args.models_dir.resolve()
    bundles = {v: models_dir / build.VARIANTS[v].bundle_name for v in variants}
    report = Report()
    print(f"mediapipe {mediapipe.__version__}; bundles in {models_dir}", flush=True)

    check_files(models_dir, variants, report)

    print("2. Tasks API PoseLandmarker", flush=True)
    astronaut = load_astronaut(args.work_dir)
    clip = make_clip(astronaut, args.frames)
    frames = [astronaut] + clip  # frame 0: the 512x512 picture, then the 640x480 clip
    sizes = [(f.shape[1], f.shape[0]) for f in frames]
    image_mode: dict[str, list[list[list[float]] | None]] = {}
    video_mode: dict[str, list[list[list[float]] | None]] = {}
    for v, path in bundles.items():
        image_mode[v] = run_tasks(path, frames, video=False)
        check_astronaut(image_mode[v][0], f"{v} IMAGE", report)
        found = sum(r is not None for r in image_mode[v][1:])
        report.check(found == len(clip), f"{v} IMAGE: person found in {found}/{len(clip)} clip frames")
        video_mode[v] = run_tasks(path, clip, video=True)
        found = sum(r is not None for r in video_mode[v])
        report.check(found == len(clip), f"{v} VIDEO: person found in {found}/{len(clip)} clip frames")

    if args.skip_legacy:
        print("3. legacy comparison skipped", flush=True)
    else:
        print(f"3. comparison with legacy mp.solutions.pose ({LEGACY_MEDIAPIPE}, model_complexity=1; "
              "'static' = static_image_mode=True, 'tracking' = False)", flush=True)
        legacy = compare_with_legacy(args, frames, bundles, report)
        if legacy is not None:
            for v in variants:
                comparisons = (
                    ("IMAGE", image_mode[v], legacy["landmarks"], sizes,
                     f"legacy static, astronaut + {len(clip)} clip frames"),
                    ("VIDEO", video_mode[v], legacy["landmarks"][1:], sizes[1:],
                     f"legacy static, {len(clip)} clip frames"),
                    # Like for like for VIDEO mode: legacy tracking (static_image_mode=False).
                    ("VIDEO", video_mode[v], legacy["tracking_landmarks"], sizes[1:],
                     f"legacy tracking, {len(clip)} clip frames"),
                )
                for mode, ours, theirs, frame_sizes, label in comparisons:
                    dists, missed = landmark_errors(ours, theirs, frame_sizes)
                    upper, _ = landmark_errors(ours, theirs, frame_sizes, UPPER_BODY)
                    line = (f"{v} {mode} vs {label}: all visible: {describe(dists)}; "
                            f"face+shoulders: {describe(upper)}; detection mismatches {missed}")
                    if v == "full" and mode == "IMAGE":
                        # Same models, same algorithm: must agree to a few pixels.
                        report.check(bool(dists) and missed == 0
                                     and statistics.fmean(dists) <= args.max_mean_px
                                     and max(dists) <= args.max_px, line)
                    else:
                        report.info(line)
                dists, _ = landmark_errors(image_mode[v][:1], legacy["landmarks"][:1], sizes[:1])
                report.info(f"{v} IMAGE vs legacy static on the astronaut picture alone: "
                            f"{describe(dists)}")
            if "lite" in variants:
                report.info("(lite is compared with the legacy *full* model: the 0.10.21 wheel "
                            "ships no lite model, so those numbers are informative only)")

    if args.timing_frames > 0:
        print("4. VIDEO-mode speed", flush=True)
        pinned = ""
        if not args.all_cores and hasattr(os, "sched_setaffinity"):
            cpu = min(os.sched_getaffinity(0))
            os.sched_setaffinity(0, {cpu})  # threads MediaPipe starts from now on inherit this
            pinned = f", pinned to CPU {cpu}"
        for v, path in bundles.items():
            times = time_video(path, clip, args.timing_frames)
            report.info(f"{v}: {statistics.fmean(times):.1f} ms/frame mean, "
                        f"{statistics.median(times):.1f} median over {len(times)} frames{pinned}")

    print(f"FAILED: {len(report.failures)} check(s)" if report.failures else "all checks passed")
    return 1 if report.failures else 0


def compare_with_legacy(args: argparse.Namespace, frames: Sequence[np.ndarray],
                        bundles: dict[str, Path], report: Report) -> dict[str, Any] | None:
    """Gets the legacy results (cached or fresh) and checks the metadata cross-checks."""
    digest = frames_digest(frames)
    bundle_digests = {v: build.sha256_bytes(p.read_bytes()) for v, p in bundles.items()}
    if args.legacy_json and args.legacy_json.is_file():
        cached = json.loads(args.legacy_json.read_text())
        if cached.get("frames_sha256") == digest and cached.get("bundles") == bundle_digests:
            report.info(f"legacy results from {args.legacy_json}")
            return cached
    if not args.legacy_python.exists():
        report.check(False, f"legacy python {args.legacy_python} not found "
                            "(run with --setup-legacy first, or pass --skip-legacy)")
        return None
    tarball = build.fetch_npm_tarball(args.work_dir.resolve())
    sources: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="pose-sources-") as tmp:
        for v in bundles:
            sources[v] = Path(tmp) / f"{v}.tflite"
            sources[v].write_bytes(build.read_tar_member(tarball, build.VARIANTS[v].npm_member))
        legacy = run_legacy(args.legacy_python, frames, 1, bundles, sources)
    legacy["frames_sha256"] = digest
    legacy["bundles"] = bundle_digests
    report.info(f"legacy run: mediapipe {legacy['mediapipe']}, flatbuffers {legacy['flatbuffers']}")
    import flatbuffers

    for v, w in legacy["writer"].items():
        report.check(w["parser_version"] == "1.0.0",
                     f"{v}: native GetMinimumMetadataParserVersion of the bundle's metadata is "
                     f"{w['parser_version']} (the shim stamps 1.0.0)")
        same = w["rebuilt_sha256"] == w["bundle_sha256"]
        if same or legacy["flatbuffers"] == flatbuffers.__version__:
            report.check(same, f"{v}: landmark model rebuilt by the {legacy['mediapipe']} writer "
                               "(native helper, no shim) is byte-identical to the bundle's")
        else:
            report.info(f"{v}: rebuilt model differs, but flatbuffers differs too "
                        f"({legacy['flatbuffers']} vs {flatbuffers.__version__}); not compared")
    if args.legacy_json:
        args.legacy_json.write_text(json.dumps(legacy))
    return legacy


if __name__ == "__main__":
    sys.exit(main())
