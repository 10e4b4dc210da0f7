"""The session log: the file a therapist receives. No video, only landmarks and results.

Format `stretch-coach-session`, version 1: JSON Lines, append-only, UTF-8. Every
line is one JSON object with

* ``type``: "header" (first line), "frame", "event", "summary", "end" (last line);
* ``seq``: 0, 1, 2, ... with no gaps;
* ``chain``: SHA-256 (hex, first 16 characters) of the previous line's chain
  followed by this line's JSON without the chain field (keys sorted, compact).
  The header's "previous chain" is the empty string.

A truncated file (a crash) lacks the "end" line; a file edited after the fact
breaks the chain. The loader rejects both with a message naming the line;
``allow_incomplete=True`` recovers what a crashed session wrote (everything up
to the last complete line). The writer flushes at least once per second of
session time and on every event, so a crash loses at most about a second.

Fields of each record type are documented in `docs/session-log.md`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from coach import __version__
from coach.hold import HoldEvent
from coach.landmarks import Landmarks
from coach.stretches import Stretch
from coach.tracker import TrackerUpdate

FORMAT = "stretch-coach-session"
VERSION = 1
RECORD_TYPES = ("header", "frame", "event", "summary", "end")


class SessionLogError(ValueError):
    """A session log that cannot be trusted or read; the message names file and line."""


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _chain(previous: str, record: dict[str, Any]) -> str:
    return hashlib.sha256((previous + _canonical(record)).encode("utf-8")).hexdigest()[:16]


def _round_list(values: np.ndarray, digits: int) -> list[Any]:
    """Rounded nested lists with NaN written as null (JSON has no NaN)."""
    rounded = np.round(values.astype(float), digits)
    if np.isfinite(rounded).all():  # the usual case: one fast conversion
        return rounded.tolist()
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in rounded.tolist()] \
        if rounded.ndim == 1 else [_round_list(row, digits) for row in rounded]


def landmarks_record(landmarks: Landmarks) -> dict[str, Any]:
    """Landmarks rounded to what matters: 1e-4 of the frame (0.1 px at 1280), 1 mm, 0.01."""
    return {
        "image": _round_list(landmarks.image, 4),
        "world": _round_list(landmarks.world, 3),
        "visibility": _round_list(landmarks.visibility, 2),
        "presence": _round_list(landmarks.presence, 2),
        "size": list(landmarks.image_size),
    }


def landmarks_from_record(record: dict[str, Any], timestamp_s: float) -> Landmarks:
    """Rebuild `Landmarks` from a frame record (for replays and re-analysis)."""
    def array(key: str) -> np.ndarray:
        return np.array([[np.nan if v is None else v for v in row] for row in record[key]], dtype=float)

    def vector(key: str) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in record[key]], dtype=float)

    return Landmarks(array("image"), array("world"), vector("visibility"), vector("presence"),
                     timestamp_s, tuple(record["size"]))


def _number(value: float, digits: int = 3) -> float | None:
    return round(float(value), digits) if value is not None and math.isfinite(value) else None


def frame_record(
    update: TrackerUpdate,
    timestamp_s: float,
    stretch_id: str,
    side: str | None,
    phase: str = "hold",
    rep: int = 1,
    people_in_view: int | None = None,
) -> dict[str, Any]:
    """One processed frame: what was measured, judged and counted."""
    verdict, hold = update.verdict, update.hold
    return {
        "type": "frame",
        "t": round(float(timestamp_s), 3),
        "stretch": stretch_id,
        "side": side,
        "rep": rep,
        "phase": phase,
        "person": verdict.person_visible,
        "people": people_in_view,
        "correct": verdict.correct,
        "depth_met": verdict.depth_met,
        "wrong_side": verdict.wrong_side,
        "score": verdict.score,
        "cue": update.cue,
        "hold": {
            "state": hold.state.value,
            "held": round(hold.held_s, 3),
            "run": round(hold.current_run_s, 3),
            "longest": round(hold.longest_run_s, 3),
            "target": hold.target_s,
        },
        "checks": {c.check_id: {"value": _number(c.value), "status": c.status.value} for c in verdict.checks},
        "landmarks": None if update.landmarks is None else landmarks_record(update.landmarks),
    }


def event_record(event: HoldEvent, stretch_id: str, side: str | None, rep: int = 1) -> dict[str, Any]:
    return {
        "type": "event",
        "t": round(event.timestamp_s, 3),
        "stretch": stretch_id,
        "side": side,
        "rep": rep,
        "state": event.state.value,
        "held": event.held_s,
        "reason": event.reason,
    }


def stretch_description(stretch: Stretch) -> dict[str, Any]:
    """What a reader needs to interpret the checks without the poses folder."""
    return {
        "name": stretch.name,
        "view": stretch.view,
        "has_sides": stretch.has_sides,
        "hold_seconds": stretch.hold_seconds,
        "checks": [
            {
                "id": c.id,
                "description": c.description,
                "kind": c.measurement.kind,
                "unit": c.unit,
                "min": c.target.min,
                "max": c.target.max,
                "hysteresis": c.hysteresis,
                "required": c.required,
                "role": c.role,
            }
            for c in stretch.checks
        ],
    }


def header_record(
    stretches: Iterable[Stretch],
    source: str,
    model: str,
    routine_id: str | None = None,
    side: str | None = None,
    started: datetime | None = None,
) -> dict[str, Any]:
    return {
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "app_version": __version__,
        "started": (started or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "source": source,
        "model": model,
        "routine": routine_id,
        "side": side,
        "stretches": {s.id: stretch_description(s) for s in stretches},
    }


class SessionLogWriter:
    """Appends records to a session log, chaining and flushing as it goes."""

    def __init__(self, path: str | Path, header: dict[str, Any], flush_every_s: float = 1.0) -> None:
        if header.get("type") != "header":
            raise ValueError("the first record of a session log must be its header")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("x", encoding="utf-8")  # never overwrite a log
        self._seq = 0
        self._chain = ""
        self._flush_every_s = flush_every_s
        self._last_flush_t: float | None = None
        self.closed = False
        self._append(dict(header))
        self._file.flush()

    def _append(self, record: dict[str, Any]) -> None:
        record = {k: v for k, v in record.items() if k != "chain"}
        record["seq"] = self._seq
        self._chain = _chain(self._chain, record)
        record["chain"] = self._chain
        self._file.write(_canonical(record) + "\n")
        self._seq += 1

    def frame(self, record: dict[str, Any]) -> None:
        self._append(record)
        t = record.get("t")
        if t is not None and (self._last_flush_t is None or t - self._last_flush_t >= self._flush_every_s):
            self._file.flush()
            self._last_flush_t = t

    def event(self, record: dict[str, Any]) -> None:
        self._append(record)
        self._file.flush()

    def close(self, summary: dict[str, Any] | None = None) -> None:
        """Write the summary and the end record, and make the file durable."""
        if self.closed:
            return
        if summary is not None:
            self._append({"type": "summary", **summary})
        self._append({"type": "end", "records": self._seq + 1})
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self.closed = True

    def __enter__(self) -> "SessionLogWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.closed:
            self.close()


@dataclass
class SessionLog:
    """A loaded, verified session log."""

    header: dict[str, Any]
    frames: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    complete: bool = True
    problem: str = ""


def load_session_log(path: str | Path, allow_incomplete: bool = False) -> SessionLog:
    """Read and verify a session log; raise `SessionLogError` naming the problem.

    allow_incomplete: accept a log that stops early (a crashed session), keeping
    every complete, verified line; tampering is never accepted.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SessionLogError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SessionLogError(f"{path}: not a session log (not UTF-8 text)") from None
    lines = text.split("\n")
    truncated_tail = lines[-1] != ""
    if not truncated_tail:
        lines = lines[:-1]
    if not lines or not lines[0].strip():
        raise SessionLogError(f"{path}: the file is empty")

    log: SessionLog | None = None
    chain = ""
    ended = False

    def incomplete(message: str) -> SessionLog:
        if not allow_incomplete or log is None:
            raise SessionLogError(f"{path}: {message}")
        log.complete, log.problem = False, message
        return log

    for number, line in enumerate(lines, start=1):
        is_last = number == len(lines)
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if is_last and truncated_tail:
                return incomplete(f"line {number}: truncated (the session did not finish writing)")
            if number == 1:
                raise SessionLogError(f"{path}: not a session log (line 1 is not JSON)") from None
            raise SessionLogError(f"{path}: line {number}: not valid JSON (the file was damaged or edited)") from None
        if not isinstance(record, dict):
            raise SessionLogError(f"{path}: line {number}: not a JSON object")
        if number == 1:
            if record.get("type") != "header" or record.get("format") != FORMAT:
                raise SessionLogError(f"{path}: not a {FORMAT} file (line 1 is not its header)")
            if record.get("version") != VERSION:
                raise SessionLogError(
                    f"{path}: format version {record.get('version')!r} is not supported (this app reads {VERSION})"
                )
        if ended:
            raise SessionLogError(f"{path}: line {number}: data after the end record (the file was edited)")
        if record.get("seq") != number - 1:
            raise SessionLogError(f"{path}: line {number}: record number {record.get('seq')!r}, expected {number - 1} (lines missing or reordered)")
        stated = record.pop("chain", None)
        chain = _chain(chain, record)
        if stated != chain:
            raise SessionLogError(f"{path}: line {number}: checksum does not match (the file was edited after it was written)")
        kind = record.get("type")
        if kind not in RECORD_TYPES or (kind == "header") != (number == 1):
            raise SessionLogError(f"{path}: line {number}: unexpected record type {kind!r}")
        if kind == "header":
            log = SessionLog(header=record)
        elif kind == "frame":
            assert log is not None
            log.frames.append(record)
        elif kind == "event":
            assert log is not None
            log.events.append(record)
        elif kind == "summary":
            assert log is not None
            log.summary = {k: v for k, v in record.items() if k not in ("type", "seq")}
        elif kind == "end":
            if record.get("records") != number:
                raise SessionLogError(f"{path}: line {number}: end record counts {record.get('records')!r} lines, file has {number}")
            ended = True
    assert log is not None
    if not ended:
        return incomplete("no end record: the file is truncated (the session did not finish writing)")
    return log
