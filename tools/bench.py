"""Speed and memory of the pipeline, as ratios against the pose model's own time.

Run with `make bench`. Not a test: numbers depend on the machine and its load.
Each stage is timed on the same frames:

    decode    VideoFileSource (OpenCV/FFmpeg)
    model     PoseEstimator.process (MediaPipe PoseLandmarker, VIDEO mode)
    engine    StretchTracker.update: smoothing + measurements + verdicts + timer
    overlay   Overlay.render
    encode    AnnotatedVideoWriter.write (H.264)
    analyze   `coach analyze` end to end (frames/s, decode to written files), with
              the side given, and with side=auto (both sides judged and drawn
              while the model runs once; the side shown is kept)

Targets: engine <= 5% of model time; analyze >= 0.9 of bare model throughput.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.analyze import analyze_video  # noqa: E402
from coach.estimator import EstimatorOptions, PoseEstimator  # noqa: E402
from coach.overlay import Overlay  # noqa: E402
from coach.sources import VideoFileSource  # noqa: E402
from coach.stretches import Library, load_library  # noqa: E402
from coach.tracker import StretchTracker  # noqa: E402
from coach.video_writer import AnnotatedVideoWriter  # noqa: E402


def _make_clip(path: Path, frames: int) -> None:
    """A 640x480 clip of the public-domain astronaut photo drifting across the frame."""
    photo = cv2.cvtColor(cv2.imread(str(ROOT / "tests" / "data" / "astronaut.jpg")), cv2.COLOR_BGR2RGB)
    photo = cv2.resize(photo, (480, 480))
    with AnnotatedVideoWriter(path, 30, (640, 480)) as writer:
        for i in range(frames):
            canvas = np.full((480, 640, 3), 30, np.uint8)
            x = int(80 + 70 * np.sin(i / 20))
            canvas[:, x : x + 480] = photo
            writer.write(canvas)


def _stretch_of(stem: str, library: Library) -> str:
    """The stretch a sample video shows, from its name (default: downward dog)."""
    return next((s for s in library.stretches if stem.startswith(s)), "downward_dog")


def _per_frame_ms(run: Callable[[], int], repeats: int = 1) -> float:
    """Best-of-`repeats` milliseconds per item; `run` returns how many items it did."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        count = run()
        best = min(best, (time.perf_counter() - start) * 1000.0 / max(count, 1))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", help="video to measure on (default: first sample video, else a generated clip)")
    parser.add_argument("--stretch", default=None, help="stretch to judge (default: the sample's, else downward_dog)")
    parser.add_argument("--frames", type=int, default=240, help="frames of the generated clip")
    args = parser.parse_args()

    library = load_library()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine load (1/5/15 min) at start: {load} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        samples = sorted((ROOT / "sample_videos").glob("*.mp4"))
        if args.video:
            video = Path(args.video)
        elif samples:
            video = samples[0]
        else:
            video = tmp_dir / "bench.mp4"
            _make_clip(video, args.frames)
        stretch_id = args.stretch or _stretch_of(video.stem, library)
        stretch = library.stretches[stretch_id]
        side = "right" if stretch.has_sides else None

        source = VideoFileSource(video)
        frames = []
        decode_ms = _per_frame_ms(lambda: sum(1 for _ in source))
        frames = list(source)
        info = source.info
        print(f"input: {video.name} ({info.width}x{info.height}, {len(frames)} frames, {info.fps:.0f} fps); "
              f"stretch {stretch_id}")

        results: dict[str, list] = {}
        model_ms: dict[str, float] = {}
        for model in ("full", "lite"):
            def run_model(model: str = model) -> int:
                with PoseEstimator(EstimatorOptions(model=model)) as estimator:
                    results[model] = [estimator.process(f.rgb, f.timestamp_s) for f in frames]
                return len(frames)
            model_ms[model] = _per_frame_ms(run_model, repeats=2)
        found = sum(1 for r in results["full"] if r.landmarks is not None)

        def run_engine() -> int:
            tracker = StretchTracker(stretch, side)
            for frame, result in zip(frames, results["full"]):
                tracker.update(result.landmarks, frame.timestamp_s)
            return len(frames)
        engine_ms = _per_frame_ms(run_engine, repeats=5)

        tracker = StretchTracker(stretch, side)
        updates = [tracker.update(r.landmarks, f.timestamp_s) for f, r in zip(frames, results["full"])]
        overlay = Overlay(mirror=True)

        def run_overlay() -> int:
            for frame, update in zip(frames, updates):
                overlay.render(frame.rgb, update.landmarks, update.verdict, update.hold, title=stretch.name)
            return len(frames)
        overlay_ms = _per_frame_ms(run_overlay, repeats=3)

        def run_encode() -> int:
            with AnnotatedVideoWriter(tmp_dir / "encode.mp4", info.fps, (info.width, info.height)) as writer:
                for frame in frames:
                    writer.write(frame.rgb)
            (tmp_dir / "encode.mp4").unlink()
            return len(frames)
        encode_ms = _per_frame_ms(run_encode, repeats=2)
        del frames

        def run_analyze(clip: Path, stretch_to_judge: str, side_arg: str) -> float:
            start = time.perf_counter()
            result = analyze_video(clip, stretch_id=stretch_to_judge, side=side_arg, out_dir=tmp_dir / "out",
                                   library=library)
            return result.frames / (time.perf_counter() - start)
        one_pass_fps = max(run_analyze(video, stretch_id, "right" if stretch.has_sides else "auto") for _ in range(2))

        # side=auto judges both sides: measured on a sample of a stretch with sides, against the
        # model's own throughput on that clip's frames.
        auto_clip = video if stretch.has_sides else next(
            (v for v in samples if library.stretches.get(_stretch_of(v.stem, library), stretch).has_sides), None)
        auto = None
        if auto_clip is not None:
            auto_stretch = stretch_id if auto_clip == video else _stretch_of(auto_clip.stem, library)
            auto_frames = list(VideoFileSource(auto_clip))

            def run_auto_model() -> int:
                with PoseEstimator(EstimatorOptions()) as estimator:
                    for f in auto_frames:
                        estimator.process(f.rgb, f.timestamp_s)
                return len(auto_frames)
            auto_model_fps = 1000.0 / _per_frame_ms(run_auto_model, repeats=2)
            del auto_frames
            auto = (auto_clip.name, max(run_analyze(auto_clip, auto_stretch, "auto") for _ in range(2)), auto_model_fps)

    model_fps = 1000.0 / model_ms["full"]
    print(f"person found in {found}/{len(results['full'])} frames")
    print()
    print(f"{'stage':<34}{'ms/frame':>10}{'x model':>10}")
    rows = [
        ("decode", decode_ms),
        ("model, full (VIDEO mode)", model_ms["full"]),
        ("model, lite (VIDEO mode)", model_ms["lite"]),
        ("engine (smooth+measure+judge+timer)", engine_ms),
        ("overlay", overlay_ms),
        ("encode (H.264)", encode_ms),
    ]
    for name, ms in rows:
        print(f"{name:<34}{ms:>10.2f}{ms / model_ms['full']:>10.3f}")
    print()
    print(f"bare model throughput (full):      {model_fps:6.1f} frames/s")
    print(f"coach analyze, side given:         {one_pass_fps:6.1f} frames/s = {one_pass_fps / model_fps:.2f} x model"
          " (target >= 0.9)")
    if auto is not None:
        name, auto_fps, auto_model_fps = auto
        print(f"coach analyze, side=auto ({name}): {auto_fps:.1f} frames/s = {auto_fps / auto_model_fps:.2f} x model"
              f" ({auto_model_fps:.1f} frames/s on that clip)")
    print(f"engine overhead: {100 * engine_ms / model_ms['full']:.1f}% of model time (target <= 5%)")
    print(f"machine load (1/5/15 min) at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
