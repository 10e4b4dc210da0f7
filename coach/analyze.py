"""Analyse a recorded video with the same engine as the live coach.

One pass over the file, the pose model running in a worker thread while the
main thread judges, times, draws and encodes. With ``side="auto"`` the side is
decided from the whole video first: the model runs over every frame, then a
second pass decodes again (cheap next to the model) to judge and draw.

Outputs (in the chosen folder, never overwriting earlier results):
    <name>_annotated.mp4     the video with skeleton, cue and hold progress
    <name>_session.jsonl     the session log (see `coach.session_log`)
    <name>_summary.json      the summary
    <name>_measurements.csv  one row per frame: measurements, verdicts, timer
"""

from __future__ import annotations

import csv
import json
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.estimator import EstimatorOptions, PoseEstimator, PoseResult, resolve_model_path
from coach.measurements import Side
from coach.overlay import Overlay
from coach.routine import Phase, RoutineRunner
from coach.session_log import SessionLogWriter, event_record, frame_record, header_record
from coach.sources import Frame, VideoError, VideoFileSource
from coach.stretches import Library, Stretch, load_library
from coach.summary import summarize
from coach.tracker import StretchTracker, TrackerSettings
from coach.verdicts import NOT_IN_FRAME_CUE, detect_side
from coach.video_writer import AnnotatedVideoWriter

ProgressCallback = Callable[[str, int, int], None]


class NoPersonError(VideoError):
    """The video plays, but nobody was found in it."""


@dataclass(frozen=True)
class AnalysisOutputs:
    video: Path
    session_log: Path
    summary: Path
    measurements_csv: Path


@dataclass(frozen=True)
class AnalysisResult:
    outputs: AnalysisOutputs
    summary: dict[str, Any]
    side: Side | None
    frames: int
    frames_with_person: int
    video_codec: str
    duration_s: float


def _unique_outputs(out_dir: Path, stem: str) -> AnalysisOutputs:
    out_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        name = stem if attempt == 1 else f"{stem}-{attempt}"
        outputs = AnalysisOutputs(
            out_dir / f"{name}_annotated.mp4",
            out_dir / f"{name}_session.jsonl",
            out_dir / f"{name}_summary.json",
            out_dir / f"{name}_measurements.csv",
        )
        if not any(p.exists() for p in vars(outputs).values()):
            return outputs
    raise OSError(f"{out_dir}: too many earlier results named {stem}")


def choose_side(stretch: Stretch, results: list[PoseResult], samples: int = 60) -> Side | None:
    """Majority vote of per-frame side detection over frames spread across the video."""
    if not stretch.has_sides:
        return None
    found = [r.landmarks for r in results if r.landmarks is not None]
    if not found:
        return None
    step = max(1, len(found) // samples)
    votes = Counter(detect_side(stretch, lm) for lm in found[::step])
    votes.pop(None, None)
    return votes.most_common(1)[0][0] if votes else None


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


def _estimate_all(source: VideoFileSource, options: EstimatorOptions,
                  progress: ProgressCallback | None) -> list[PoseResult]:
    """Pass 1 of side detection: the model over every frame, keeping only results."""
    results: list[PoseResult] = []
    with PoseEstimator(options) as estimator:
        for frame in source:
            results.append(estimator.process(frame.rgb, frame.timestamp_s))
            if progress:
                progress("pose", len(results), source.info.frame_count)
    if not any(r.landmarks is not None for r in results):
        raise NoPersonError(f"{source.path}: nobody was found in the video ({len(results)} frames)")
    return results


def _estimated_frames(source: VideoFileSource, options: EstimatorOptions) -> Iterator[tuple[Frame, PoseResult]]:
    """Decode and run the model in a worker thread, overlapping with drawing and encoding.

    MediaPipe, OpenCV and the H.264 encoder release the GIL, so on two cores the
    pose model no longer waits for the rest of the pipeline. A small queue keeps
    memory bounded; an error in the worker is raised in the caller.
    """
    handoff: queue.Queue[tuple[Frame, PoseResult] | BaseException | None] = queue.Queue(maxsize=8)
    stop = threading.Event()

    def work() -> None:
        try:
            with PoseEstimator(options) as estimator:
                for frame in source:
                    if stop.is_set():
                        return
                    handoff.put((frame, estimator.process(frame.rgb, frame.timestamp_s)))
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            handoff.put(error)
        finally:
            handoff.put(None)

    worker = threading.Thread(target=work, name="pose-estimator", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a worker waiting on a full queue
            try:
                handoff.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


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

    source = VideoFileSource(video)
    total = source.info.frame_count
    options = estimator_options or EstimatorOptions()
    model_name = resolve_model_path(options.model).name

    # Decide what is being judged.
    runner: RoutineRunner | None = None
    tracker: StretchTracker | None = None
    chosen_side: Side | None = None
    pairs: Iterable[tuple[Frame, PoseResult]]
    if routine_id is not None:
        routine = library.routines[routine_id]
        runner = RoutineRunner(routine, library.stretches, tracker_settings or TrackerSettings())
        stretches = [library.stretches[s.stretch_id] for s in routine.steps]
        pairs = _estimated_frames(source, options)
    else:
        assert stretch_id is not None
        stretch = library.stretches[stretch_id]
        stretches = [stretch]
        if stretch.has_sides and side == "auto":
            # The side is decided from the whole video, so the model runs first on
            # its own; the second pass only decodes again (cheap next to the model).
            results = _estimate_all(source, options, progress)
            chosen_side = choose_side(stretch, results) or "right"
            pairs = zip(source, results)
        else:
            chosen_side = side if stretch.has_sides else None  # type: ignore[assignment]
            pairs = _estimated_frames(source, options)
        tracker = StretchTracker(stretch, chosen_side, settings=tracker_settings)

    outputs = _unique_outputs(Path(out_dir), source.path.stem)
    header = header_record(
        stretches, source=f"video:{source.path.name}", model=model_name, routine_id=routine_id, side=chosen_side
    )
    overlay = Overlay(mirror=mirror)
    frames_records: list[dict[str, Any]] = []
    check_ids = list(dict.fromkeys(c.id for s in stretches for c in s.checks))
    events_logged = 0

    with SessionLogWriter(outputs.session_log, header) as log, \
            AnnotatedVideoWriter(outputs.video, source.info.fps, (source.info.width, source.info.height)) as writer, \
            outputs.measurements_csv.open("w", newline="", encoding="utf-8") as csv_file:
        table = csv.writer(csv_file)
        table.writerow(
            ["t", "stretch", "side", "phase", "person", "people", "correct", "score", "cue", "hold_state", "held_s"]
            + [f"{c}_{k}" for c in check_ids for k in ("value", "status")]
        )
        frames_seen = with_person = 0
        for frame, result in pairs:
            t = frame.timestamp_s
            frames_seen += 1
            with_person += result.landmarks is not None
            if runner is not None:
                status = runner.update(result.landmarks, t)
                update = status.update
                slot = status.slot
                instruction = status.instruction
                title = f"{runner.routine.name}: {slot.label}" if slot else runner.routine.name
                phase = status.phase.value
                record_ids = (slot.stretch.id, slot.side, slot.rep) if slot else None
                if status.phase is Phase.REST:
                    update = None
            else:
                assert tracker is not None
                update = tracker.update(result.landmarks, t)
                instruction = None if result.landmarks is not None else NOT_IN_FRAME_CUE
                side_label = f" - {chosen_side} side" if chosen_side else ""
                title = f"{tracker.stretch.name}{side_label}"
                phase = "hold"
                record_ids = (tracker.stretch.id, chosen_side, 1)
            if update is not None and record_ids is not None:
                record = frame_record(update, t, record_ids[0], record_ids[1], phase, record_ids[2], result.people_in_view)
                log.frame(record)
                frames_records.append(record)
                table.writerow(_csv_row(record, check_ids))
            if runner is not None:
                for slot, event in runner.drain_events():
                    log.event(event_record(event, slot.stretch.id, slot.side, slot.rep))
            elif tracker is not None and record_ids is not None:
                for event in tracker.timer.events[events_logged:]:
                    log.event(event_record(event, record_ids[0], record_ids[1], record_ids[2]))
                events_logged = len(tracker.timer.events)
            annotated = overlay.render_update(frame.rgb, update, result.landmarks, title=title,
                                              instruction=instruction, second_person=result.second_person)
            writer.write(annotated)
            if progress:
                progress("render", frame.index + 1, total)
        summary = summarize(frames_records)
        summary["video"] = {"file": source.path.name, "frames": frames_seen, "frames_with_person": with_person,
                            "fps": source.info.fps, "side": chosen_side, "routine": routine_id}
        log.close(summary)
        codec = writer.codec
    if with_person == 0:
        for path in vars(outputs).values():
            path.unlink(missing_ok=True)
        raise NoPersonError(f"{source.path}: nobody was found in the video ({frames_seen} frames)")
    outputs.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    duration = frames_records[-1]["t"] if frames_records else 0.0
    return AnalysisResult(outputs, summary, chosen_side, frames_seen, with_person, codec, float(duration))
