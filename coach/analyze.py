"""Analyse a recorded video with the same engine as the live coach.

One pass over the file in three threads: decoding, the pose model, and judging
+ drawing + encoding, so the pose model (the slowest stage) never waits for the
others. With ``side="auto"`` the side is decided from the whole video, so both
sides are judged and drawn as the frames go by (the model runs once) and the
side the pose shows is kept; the other reading is deleted.

Outputs, in the chosen folder, never overwriting earlier results:
    <name>_annotated.mp4     the video with skeleton, cue and hold progress
    <name>_session.jsonl     the session log (see `coach.session_log`)
    <name>_summary.json      the summary
    <name>_measurements.csv  one row per frame: measurements, verdicts, timer

They are written in a private hidden folder of the run, ``.partial-<pid>-<token>``, and
moved into place only when complete, onto names reserved atomically (O_EXCL), so two runs
on same-named videos into one folder never clash; files are 0600, created folders 0700.
A run first removes the partial folders that killed runs left behind.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import secrets
import shutil
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach import retention
from coach.background import in_background, short_gil_turns
from coach.estimator import EstimatorOptions, PoseEstimator, PoseResult, resolve_model_path
from coach.landmarks import Landmarks
from coach.measurements import Side
from coach.overlay import Overlay
from coach.person_size import HeightsSeen
from coach.free_names import numbered
from coach.judged_frame import judge_frame
from coach.routine import RoutineRunner, stretch_routine
from coach.session_log import SessionLogWriter, header_record
from coach.session_recorder import SessionRecorder
from coach.sources import Frame, VideoError, VideoFileSource
from coach.stretches import Library, Routine, Stretch, load_library
from coach.tracker import TrackerSettings
from coach.verdicts import detect_side
from coach.video_writer import AnnotatedVideoWriter

ProgressCallback = Callable[[str, int, int], None]

#: How many frames, spread over the video, vote on the side it shows (``side="auto"``).
SIDE_VOTE_SAMPLES = 60

#: Hidden per-run folder holding the files being written.
PARTIAL_PREFIX = ".partial-"
#: A partial folder this old is removed even if its process id is in use (ids are reused);
#: a running analysis touches its files many times a second.
STALE_PARTIAL_S = 86400.0


class NoPersonError(VideoError):
    """The video plays, but nobody was found in it."""


@dataclass(frozen=True)
class AnalysisOutputs:
    video: Path
    session_log: Path
    summary: Path
    measurements_csv: Path

    def paths(self) -> list[Path]:
        return [self.video, self.session_log, self.summary, self.measurements_csv]


@dataclass(frozen=True)
class AnalysisResult:
    outputs: AnalysisOutputs
    summary: dict[str, Any]
    side: Side | None
    frames: int
    frames_with_person: int
    video_codec: str
    duration_s: float
    #: What the person should know about a result that is not the whole story (a video that ended early).
    warnings: tuple[str, ...] = ()
    #: What would make the reading more reliable (the person small in the picture for a stretch
    #: that needs pixels: `coach.person_size.small_person_note`).
    notes: tuple[str, ...] = ()


def _outputs_named(out_dir: Path, name: str) -> AnalysisOutputs:
    return AnalysisOutputs(
        out_dir / f"{name}_annotated.mp4",
        out_dir / f"{name}_session.jsonl",
        out_dir / f"{name}_summary.json",
        out_dir / f"{name}_measurements.csv",
    )


def _unique_outputs(out_dir: Path, stem: str) -> AnalysisOutputs:
    """Free final names, reserved by creating them (empty, 0600) with O_EXCL: another run
    choosing names at the same moment gets the next free ones."""
    for name in numbered(stem):
        outputs = _outputs_named(out_dir, name)
        reserved: list[Path] = []
        try:
            for path in outputs.paths():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                reserved.append(path)
            return outputs
        except FileExistsError:
            for path in reserved:
                path.unlink(missing_ok=True)
    raise FileExistsError(errno.EEXIST, f"too many earlier results named {stem}", str(out_dir))


def make_private_dir(path: Path) -> None:
    """Create ``path`` and its missing parents readable by the owner only (0700); an existing
    folder is left as it is. Raises NotADirectoryError if it is a file."""
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    if not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(path))


def remove_stale_partials(out_dir: Path, started: float) -> list[Path]:
    """Delete what killed runs left in ``out_dir``: ``.partial-<pid>-*`` entries older than
    ``started`` whose process is gone (or older than a day)."""
    return retention.remove_orphans(out_dir, PARTIAL_PREFIX, started, max_age_s=STALE_PARTIAL_S,
                                    untouched_since=started)


def _check_model(path: Path) -> None:
    """MediaPipe's own error for a wrong file ("Unable to open zip archive.") names nothing."""
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a pose model file (a MediaPipe .task bundle)")


class SideVote:
    """Which side a video shows: per-frame side detection on frames spread across the video.

    Votes as the frames go by (about ``samples`` of them, one every
    ``frame_count / samples`` frames with a person), so no landmarks are kept.
    """

    def __init__(self, stretch: Stretch, frame_count: int, samples: int = SIDE_VOTE_SAMPLES) -> None:
        self.stretch = stretch
        self.step = max(1, frame_count // samples)
        self.votes: Counter[Side] = Counter()
        self._seen = 0

    def add(self, landmarks: Landmarks) -> None:
        if self._seen % self.step == 0:
            side = detect_side(self.stretch, landmarks)
            if side is not None:
                self.votes[side] += 1
        self._seen += 1

    @property
    def side(self) -> Side | None:
        """The majority side, or None when no frame showed one."""
        return self.votes.most_common(1)[0][0] if self.votes else None


def _csv_row(record: dict[str, Any], check_ids: list[str]) -> list[Any]:
    row = [
        record["t"], record["stretch"], record["side"] or "", record["phase"], int(record["person"]),
        record["people"] if record["people"] is not None else "", int(record["correct"]), record["score"],
        record["cue"] or "", record["hold"]["state"], record["hold"]["held"],
    ]
    for check_id in check_ids:
        check = record["checks"].get(check_id, {})
        value = check.get("value")
        row += ["" if value is None else value, check.get("status", "")]
    return row


def _estimated_frames(source: VideoFileSource, options: EstimatorOptions) -> Iterator[tuple[Frame, PoseResult]]:
    """Decoding in one thread, the pose model in another, both ahead of the caller."""

    def estimate() -> Iterator[tuple[Frame, PoseResult]]:
        try:
            estimator = PoseEstimator(options)
        except (RuntimeError, OSError) as error:  # MediaPipe's messages for a bundle that is not a pose model
            raise ValueError(f"{resolve_model_path(options.model)}: the pose model cannot be loaded ({error})") \
                from None
        with estimator:
            for frame in in_background(source, ahead=4, name="decode"):
                yield frame, estimator.process(frame.rgb, frame.timestamp_s)

    return in_background(estimate(), ahead=8, name="pose-estimator")


class _Reading:
    """One reading of the video (a routine, or one stretch on one side) and the files it writes.

    Every reading goes through a routine runner and `judge_frame`, as the live coach does.
    Files are written under temporary names beside the final ones; `keep` renames
    them, `discard` deletes them, so a failed or unwanted reading leaves nothing.
    """

    def __init__(self, out_dir: Path, tag: str, stretches: list[Stretch], header: dict[str, Any],
                 fps: float, size: tuple[int, int], mirror: bool, runner: RoutineRunner,
                 side: Side | None = None) -> None:
        self.runner, self.side = runner, side
        self.partial = _outputs_named(out_dir, tag)
        self.check_ids = list(dict.fromkeys(c.id for s in stretches for c in s.checks))
        self.overlay = Overlay(mirror=mirror, cue_clear_bottom=Overlay.PLAYER_CONTROLS)
        self.recorder = SessionRecorder(SessionLogWriter(self.partial.session_log, header))
        self.video = AnnotatedVideoWriter(self.partial.video, fps, size)
        self._csv_file = self.partial.measurements_csv.open("w", newline="", encoding="utf-8")
        self.table = csv.writer(self._csv_file)
        self.table.writerow(
            ["t", "stretch", "side", "phase", "person", "people", "correct", "score", "cue", "hold_state", "held_s"]
            + [f"{c}_{k}" for c in self.check_ids for k in ("value", "status")]
        )
        self.heights = HeightsSeen()

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.recorder.frames

    def add(self, frame: Frame, result: PoseResult) -> None:
        """Judge, time, log and draw one frame."""
        judged = judge_frame(self.runner, result, frame.timestamp_s)
        record = self.recorder.add(judged)
        if record is not None:
            self.table.writerow(_csv_row(record, self.check_ids))
            if judged.landmarks is not None:
                self.heights.add(record["stretch"], judged.landmarks)
        self.video.write(self.overlay.render_judged(frame.rgb, judged))

    def finish(self, video_facts: dict[str, Any]) -> dict[str, Any]:
        """Close the files; the summary is the session log's last record."""
        summary = self.recorder.summary()
        summary["video"] = video_facts
        self.recorder.close(summary)
        self._close_files()
        self.partial.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return summary

    def _close_files(self) -> None:
        self.video.close()
        self._csv_file.close()
        self.recorder.close(None)

    def keep(self, outputs: AnalysisOutputs) -> None:
        """Move the finished files onto their reserved names (owner-only); on failure the
        reservations go too."""
        try:
            for partial, final in zip(self.partial.paths(), outputs.paths()):
                partial.chmod(0o600)
                partial.replace(final)
        except BaseException:
            for partial, final in zip(self.partial.paths(), outputs.paths()):
                if partial.exists():
                    final.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        """Delete the files; errors closing them (a full disk) do not hide the error that got here."""
        try:
            self._close_files()
        except (OSError, ValueError):
            pass
        finally:
            for path in self.partial.paths():
                path.unlink(missing_ok=True)


def analyze_video(
    video: str | Path,
    stretch_id: str | None = None,
    side: str = "auto",
    routine_id: str | None = None,
    out_dir: str | Path = "out",
    library: Library | None = None,
    estimator_options: EstimatorOptions | None = None,
    tracker_settings: TrackerSettings | None = None,
    mirror: bool = False,
    progress: ProgressCallback | None = None,
) -> AnalysisResult:
    """Run the coach over a video file and write the annotated video, log, summary and CSV.

    Give either ``stretch_id`` (with ``side`` "auto", "left" or "right") or
    ``routine_id`` (the routine's own order of stretches and sides).
    ``progress(stage, frames_done, frames_total)`` is called after every frame.
    A video that ends before its stated length (truncated, damaged) is analysed as far as
    it plays and the result carries a warning. Output problems raise OSError naming the path.
    """
    library = library or load_library()
    if (stretch_id is None) == (routine_id is None):
        raise ValueError("give a stretch or a routine (exactly one)")
    if routine_id is not None and routine_id not in library.routines:
        raise ValueError(f"unknown routine {routine_id!r} (known: {', '.join(sorted(library.routines))})")
    if stretch_id is not None and stretch_id not in library.stretches:
        raise ValueError(f"unknown stretch {stretch_id!r} (known: {', '.join(sorted(library.stretches))})")
    if side not in ("auto", "left", "right"):
        raise ValueError(f"side must be auto, left or right, got {side!r}")

    started = time.time()
    source = VideoFileSource(video)
    info = source.info
    options = estimator_options or EstimatorOptions()
    model_path = resolve_model_path(options.model)
    _check_model(model_path)
    model_name = model_path.name
    out_path = Path(out_dir)
    make_private_dir(out_path)
    remove_stale_partials(out_path, started)
    work = out_path / f"{PARTIAL_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    work.mkdir(mode=0o700)
    stem = source.path.stem
    size = (info.width, info.height)
    source_name = f"video:{source.path.name}"

    def reading(tag: str, routine: Routine, chosen: Side | None) -> _Reading:
        stretches = list(dict.fromkeys(library.stretches[s.stretch_id] for s in routine.steps))
        header = header_record(stretches, source=source_name, model=model_name, routine_id=routine_id, side=chosen)
        runner = RoutineRunner(routine, library.stretches, tracker_settings or TrackerSettings())
        return _Reading(work, f"{stem}-{tag}", stretches, header, info.fps, size, mirror, runner, side=chosen)

    readings: list[_Reading] = []
    vote: SideVote | None = None
    frames_seen = with_person = 0
    try:
        if routine_id is not None:
            readings.append(reading("routine", library.routines[routine_id], None))
        else:
            assert stretch_id is not None
            stretch = library.stretches[stretch_id]
            if not stretch.has_sides:
                candidates: list[Side | None] = [None]
            else:
                candidates = ["right", "left"] if side == "auto" else [side]  # type: ignore[list-item]
            if len(candidates) > 1:
                vote = SideVote(stretch, info.frame_count)
            for candidate in candidates:
                # A video of one stretch is read as one hold on that side, from its first frame.
                routine = stretch_routine(stretch, (candidate,), countdown_s=0.0, reps=1)
                readings.append(reading(candidate or "only", routine, candidate))

        with short_gil_turns():
            for frame, result in _estimated_frames(source, options):
                frames_seen += 1
                if result.landmarks is not None:
                    with_person += 1
                    if vote is not None:
                        vote.add(result.landmarks)
                for each in readings:
                    each.add(frame, result)
                if progress:
                    progress("render", frames_seen, max(info.frame_count, frames_seen))
        if with_person == 0:
            raise NoPersonError(f"{source.path}: nobody was found in the video ({frames_seen} frames)")

        chosen = readings[0]
        if vote is not None:
            picked = vote.side or "right"
            chosen = next(r for r in readings if r.side == picked)
        warning = source.early_end_warning()
        warnings = (warning,) if warning else ()
        notes = tuple(chosen.heights.notes(library.stretches))
        facts = {"file": source.path.name, "frames": frames_seen, "frames_with_person": with_person,
                 "fps": info.fps, "side": chosen.side, "routine": routine_id, "warnings": list(warnings),
                 "person_height_px": chosen.heights.median(), "notes": list(notes)}
        summary = chosen.finish(facts)
        codec = chosen.video.codec
        outputs = _unique_outputs(out_path, stem)
        chosen.keep(outputs)
        readings.remove(chosen)
    finally:
        try:
            for other in readings:
                other.discard()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    duration = chosen.records[-1]["t"] if chosen.records else 0.0
    return AnalysisResult(outputs, summary, chosen.side, frames_seen, with_person, codec, float(duration), warnings,
                          notes)
