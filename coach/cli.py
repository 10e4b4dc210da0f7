"""The `coach` command line."""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
from pathlib import Path

from coach.native_logs import native_logs_silenced
from coach.stretches import DEFAULT_POSES_DIR, validate_folder


def _check_poses(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    library, errors = validate_folder(directory)
    for error in errors:  # every problem of every file, one line each
        for line in error.lines():
            print(f"error: {line}", file=sys.stderr)
    for stretch in library.stretches.values():
        sides = "both sides" if stretch.has_sides else "no sides"
        print(f"ok  {stretch.id}: {stretch.name} ({len(stretch.checks)} checks, {stretch.view} view, {sides})")
    for routine in library.routines.values():
        print(f"ok  routine {routine.id}: {len(routine.steps)} steps")
    if not errors and not library.stretches:
        print(f"error: {directory}: no stretch files (*.toml) found", file=sys.stderr)
        return 1
    return 1 if errors else 0


def describe_os_error(error: OSError, fallback: str | None = None) -> str:
    """One line naming the file or folder an operating-system error is about (``fallback``:
    the output folder, named when the error has no file name or names a hidden working file)."""
    where = error.filename if error.filename is not None else fallback
    if where is not None and fallback is not None and "/.partial-" in str(where):
        where = fallback  # a file of the run's hidden working folder: name the folder the person chose
    if error.errno == errno.ENOSPC:
        return f"no space left on device: {where}" if where else "no space left on device"
    reason = {
        errno.EACCES: "permission denied", errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system, cannot write here", errno.ENOTDIR: "not a folder",
        errno.EISDIR: "is a folder, not a file", errno.EDQUOT: "disk quota exceeded",
    }.get(error.errno or 0, error.strerror or str(error))
    if error.errno == errno.ENOTDIR and where:
        reason = "exists and is not a folder" if Path(where).exists() else "part of this path is a file, not a folder"
    return f"{where}: {reason}" if where else str(reason)


def _analyze(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from coach.analyze import analyze_video
    from coach.estimator import EstimatorOptions, ModelNotFoundError
    from coach.sources import VideoError
    from coach.stretches import PoseFileError, load_library

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            for earlier in bars.values():
                earlier.close()
            label = "analysing" if stage == "render" else stage
            bars[stage] = tqdm(total=total, desc=label, unit="frame", leave=True, file=sys.stderr)
        bar = bars[stage]
        bar.total = max(bar.total or 0, done)
        bar.update(done - bar.n)

    def close_bars() -> None:  # before any message, so it is not drawn over
        for bar in bars.values():
            bar.close()

    try:
        library = load_library(args.poses)
        result = analyze_video(
            args.video,
            stretch_id=args.stretch,
            side=args.side,
            routine_id=args.routine,
            out_dir=args.out,
            library=library,
            estimator_options=EstimatorOptions(model=args.model),
            progress=progress,
        )
    except (VideoError, ValueError, PoseFileError, ModelNotFoundError) as error:
        close_bars()
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # writing the results: a file in the way, no permission, a full disk
        close_bars()
        print(f"error: {describe_os_error(error, fallback=args.out)}", file=sys.stderr)
        return 2
    finally:
        close_bars()
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"frames: {result.frames} ({result.frames_with_person} with a person)")
    if result.side:
        print(f"side: {result.side}")
    for hold in result.summary["holds"]:
        side = f" {hold['side']}" if hold["side"] else ""
        print(f"{hold['stretch']}{side}: held correctly {hold['held_s']:.1f} s of {hold['target_s']:.0f} s"
              f" (longest {hold['longest_hold_s']:.1f} s)")
    print(f"annotated video ({result.video_codec}): {result.outputs.video}")
    print(f"session log: {result.outputs.session_log}")
    print(f"summary: {result.outputs.summary}")
    print(f"measurements: {result.outputs.measurements_csv}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="Stretch Coach command line tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check-poses", help="validate the stretch and routine files of a folder")
    check.add_argument("directory", nargs="?", default=str(DEFAULT_POSES_DIR), help="folder (default: poses/)")
    check.set_defaults(run=_check_poses)

    analyze = sub.add_parser("analyze", help="judge a recorded video and write an annotated copy, log, summary, CSV")
    analyze.add_argument("video", help="video file (mp4, mov, webm, avi, ...)")
    target = analyze.add_mutually_exclusive_group(required=True)
    target.add_argument("--stretch", help="stretch id (see `coach check-poses`)")
    target.add_argument("--routine", help="routine id: follow the routine's order of stretches and sides")
    analyze.add_argument("--side", default="auto", choices=("auto", "left", "right"),
                         help="working side for two-sided stretches (default: decided from the video)")
    analyze.add_argument("--out", default="out", help="folder for the results (default: out/)")
    analyze.add_argument("--model", default=None, help="pose model: full (default), lite, or a .task file")
    analyze.add_argument("--poses", default=str(DEFAULT_POSES_DIR), help="stretch definitions folder")
    analyze.add_argument("--verbose", action="store_true",
                         help="also show the pose model's own log lines (MediaPipe, TensorFlow Lite)")
    analyze.set_defaults(run=_analyze)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit codes: 0 done, 1 `check-poses` found errors, 2 unusable input or output, 130 interrupted."""
    args = build_parser().parse_args(argv)
    quiet = args.command == "analyze" and not args.verbose
    try:
        with native_logs_silenced() if quiet else contextlib.nullcontext():
            return int(args.run(args))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"error: {describe_os_error(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
