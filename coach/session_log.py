"""The session log: the file a therapist receives. No video, only landmarks and results.

Format `stretch-coach-session`, version 1: JSON Lines, append-only, UTF-8. Every
line is one JSON object with

* ``type``: "header" (first line), "frame", "event", "pain", "summary", "end" (last line);
* ``seq``: 0, 1, 2, ... with no gaps;
* ``chain``: SHA-256 (hex, first 16 characters) of the previous line's chain
  followed by this line's JSON without the chain field (keys sorted, compact).
  The header's "previous chain" is the empty string.

A truncated file (a crash) lacks the "end" line; a file edited after the fact
breaks the chain. Each record is then validated against its type (the TypedDicts
below) within bounds on sizes and numbers, so a chain-valid file with wrong types
is refused too. The loader rejects all of these with a message naming the line
(and field), streaming the file and keeping landmarks as float32 arrays;
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
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal, Optional, Union

import numpy as np
from pydantic import AfterValidator, ConfigDict, Field, PlainValidator, TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict

from coach import __version__
from coach.hold import HoldEvent
from coach.landmarks import NUM_LANDMARKS, Landmarks
from coach.stretches import Stretch
from coach.tracker import TrackerUpdate

FORMAT = "stretch-coach-session"
VERSION = 1
RECORD_TYPES = ("header", "frame", "event", "pain", "summary", "end")
PAIN_WHEN = ("before", "during", "after")


# ---------------------------------------------------------------- bounds

#: Limits on what a log may hold; anything beyond is refused with a clear error
#: before it can cost much memory or time (issue 12).
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_RECORDS = 2_000_000
MAX_INTEGER = 2**53  # integers beyond this are not exact in JSON readers anyway
MAX_NUMBER = 1e9  # any float in a log (seconds, degrees, metres, ...) lies within +-1e9
MAX_TEXT = 10_000  # characters in one text field (names, cues, descriptions)
MAX_ID = 200  # characters in an id (stretch, check)
MAX_STRETCHES = 200
MAX_CHECKS = 100
MAX_HOLDS = 100_000
MAX_IMAGE_SIDE = 16_384  # pixels
MAX_ASPECT = 4  # a picture's long side at most 4x its short side
NUM_POINTS = NUM_LANDMARKS  # the model's landmark count (33)


# ---------------------------------------------------------------- typed records (what the loader returns)

_STRICT = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")
_Int = Annotated[int, Field(ge=-MAX_INTEGER, le=MAX_INTEGER)]
_Count = Annotated[int, Field(ge=0, le=MAX_INTEGER)]
_Num = Annotated[float, Field(ge=-MAX_NUMBER, le=MAX_NUMBER)]
_Text = Annotated[str, Field(max_length=MAX_TEXT)]
_Id = Annotated[str, Field(max_length=MAX_ID)]
_Pixels = Annotated[int, Field(ge=16, le=MAX_IMAGE_SIDE)]
_Row = Annotated[list[Optional[_Num]], Field(min_length=3, max_length=3)]
_Points = TypeAdapter(Annotated[list[_Row], Field(min_length=NUM_POINTS, max_length=NUM_POINTS)], config=_STRICT)
_Values = TypeAdapter(Annotated[list[Optional[_Num]], Field(min_length=NUM_POINTS, max_length=NUM_POINTS)],
                      config=_STRICT)


def _float32(values: list[Any]) -> np.ndarray:
    """Validated JSON numbers as a compact float32 array (null becomes NaN)."""
    try:
        return np.array(values, dtype=np.float32)
    except TypeError:  # nulls: landmarks the model did not place
        if isinstance(values[0], list):
            return np.array([[np.nan if v is None else v for v in row] for row in values], dtype=np.float32)
        return np.array([np.nan if v is None else v for v in values], dtype=np.float32)


def _points(value: Any) -> np.ndarray:
    """33 x [x, y, z], checked for shape and finite numbers before any array is made."""
    return _float32(_Points.validate_python(value))


def _values(value: Any) -> np.ndarray:
    return _float32(_Values.validate_python(value))


def _picture_size(size: list[int]) -> list[int]:
    """A picture's [width, height]: drawing a replay scales to it, so no absurd shapes."""
    if max(size) > MAX_ASPECT * min(size):
        raise ValueError(f"{size[0]} x {size[1]} px is not a camera picture (sides over {MAX_ASPECT}:1)")
    return size


#: (33, 3) float32; NaN where the model placed no landmark.
PointArray = Annotated[np.ndarray, PlainValidator(_points)]
#: (33,) float32.
ValueArray = Annotated[np.ndarray, PlainValidator(_values)]


class LandmarksData(TypedDict):
    """A frame's landmarks as loaded: compact float32 arrays (see `landmarks_from_record`)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    image: PointArray
    world: PointArray
    visibility: ValueArray
    presence: ValueArray
    size: Annotated[list[_Pixels], Field(min_length=2, max_length=2), AfterValidator(_picture_size)]


class HoldFields(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    state: Literal["waiting", "settling", "holding", "paused", "complete"]
    held: _Num
    run: _Num
    longest: _Num
    target: _Num


class CheckFields(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    value: Optional[_Num]
    status: Literal["ok", "too_low", "too_high", "not_visible", "unjudged"]


class FrameRecord(TypedDict):
    """One processed frame (docs/session-log.md, `frame`)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    type: Literal["frame"]
    seq: _Count
    t: _Num
    stretch: _Id
    side: Optional[_Id]
    rep: Annotated[int, Field(ge=1, le=MAX_HOLDS)]
    phase: Literal["setup", "countdown", "start", "hold", "rest", "done"]
    person: bool
    people: Optional[Annotated[int, Field(ge=0, le=1000)]]
    correct: bool
    score: Annotated[float, Field(ge=0, le=100)]
    cue: Optional[_Text]
    hold: HoldFields
    checks: Annotated[dict[_Id, CheckFields], Field(max_length=MAX_CHECKS)]
    landmarks: Optional[LandmarksData]
    #: Since form gates and depth targets (absent in older logs): every depth target met, and
    #: whether the pose was correct for the other side instead.
    depth_met: NotRequired[bool]
    wrong_side: NotRequired[bool]
    #: Since leg identity (absent in older logs): the pose model's left and right leg labels
    #: came swapped in this frame and were swapped back before anything was measured.
    legs_swapped: NotRequired[bool]


class EventRecord(TypedDict):
    """A hold-timer transition (docs/session-log.md, `event`)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    type: Literal["event"]
    seq: _Count
    t: _Num
    stretch: _Id
    side: Optional[_Id]
    rep: Annotated[int, Field(ge=1, le=MAX_HOLDS)]
    state: Literal["waiting", "settling", "holding", "paused", "complete"]
    held: _Num
    reason: _Text


class PainRecord(TypedDict):
    """A pain score the patient gave (docs/session-log.md, `pain`): 0-10 NRS; null during = "It hurts"."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    type: Literal["pain"]
    seq: _Count
    t: Optional[_Num]
    when: Literal["before", "during", "after"]
    score: Optional[Annotated[int, Field(ge=0, le=10)]]


class CheckInfo(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    id: _Id
    description: _Text
    kind: _Id
    unit: _Id
    min: Optional[_Num]
    max: Optional[_Num]
    hysteresis: _Num
    required: bool
    role: NotRequired[Literal["gate", "depth"]]


class StretchInfo(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    name: _Text
    view: _Id
    has_sides: bool
    hold_seconds: _Num
    checks: Annotated[list[CheckInfo], Field(max_length=MAX_CHECKS)]


class HeaderRecord(TypedDict):
    """Line 1 (docs/session-log.md, `header`)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    type: Literal["header"]
    seq: Literal[0]
    format: Literal["stretch-coach-session"]
    version: Literal[1]
    app_version: _Id
    started: _Id
    source: _Text
    model: _Text
    routine: Optional[_Id]
    side: Optional[_Id]
    stretches: Annotated[dict[_Id, StretchInfo], Field(max_length=MAX_STRETCHES)]


class Stats(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    n: _Count
    mean: _Num
    median: _Num
    min: _Num
    max: _Num
    p10: _Num
    p90: _Num


class MeasurementSummary(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    all: Optional[Stats]
    while_correct: Optional[Stats]
    #: Of the frames it was judged on; None when it never was (a start-relative check, no start position).
    ok_fraction: Optional[Annotated[float, Field(ge=0, le=1)]]


_CUE_SECONDS = TypeAdapter(Annotated[tuple[_Text, _Num], Field(strict=False)], config=_STRICT)


def _cue_seconds(value: Any) -> list[Any]:
    """[cue, seconds shown], kept a list as in the file (a summary compares equal to its JSON)."""
    return list(_CUE_SECONDS.validate_python(value))


#: [cue text, seconds shown].
CueSeconds = Annotated[list[Union[str, float]], PlainValidator(_cue_seconds)]


class HoldSummary(TypedDict):
    """One hold in the summary record (as `coach.summary.summarize` computes it)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    stretch: _Id
    side: Optional[_Id]
    rep: Annotated[int, Field(ge=1, le=MAX_HOLDS)]
    target_s: _Num
    held_s: _Num
    completed: bool
    longest_hold_s: _Num
    time_to_first_correct_s: Optional[_Num]
    duration_s: _Num
    frames: _Count
    frames_with_person: _Count
    top_cues: Annotated[list[CueSeconds], Field(max_length=10)]
    measurements: Annotated[dict[_Id, MeasurementSummary], Field(max_length=MAX_CHECKS)]


class LiveHold(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    stretch: _Id
    side: Optional[_Id]
    rep: Annotated[int, Field(ge=1, le=MAX_HOLDS)]
    held_s: _Num
    target_s: _Num
    completed: bool
    skipped: bool
    longest_hold_s: NotRequired[_Num]
    time_to_first_correct_s: NotRequired[Optional[_Num]]
    top_cues: NotRequired[Annotated[list[CueSeconds], Field(max_length=10)]]
    #: Frames of the hold whose leg labels were swapped back (absent in older logs).
    legs_swapped: NotRequired[_Count]


class LiveFacts(TypedDict):
    """What the live runner decided (only in live sessions' summaries)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    routine: _Id
    frames: _Count
    stopped_early: bool
    holds: Annotated[list[LiveHold], Field(max_length=MAX_HOLDS)]
    #: The person's median height in the picture, head to feet (absent in older logs; None: not seen).
    person_height_px: NotRequired[Optional[_Num]]
    #: What would have made the reading more reliable (absent in older logs).
    notes: NotRequired[Annotated[list[_Text], Field(max_length=20)]]


_Scalar = Union[bool, _Int, _Num, _Text, None]


class SummaryRecord(TypedDict):
    """Before the end (docs/session-log.md, `summary`); `live` or `video` facts by source."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    type: Literal["summary"]
    seq: _Count
    holds: Annotated[list[HoldSummary], Field(max_length=MAX_HOLDS)]
    live: NotRequired[LiveFacts]
    video: NotRequired[Annotated[dict[_Id, Union[_Scalar, Annotated[list[_Text], Field(max_length=20)]]],
                                 Field(max_length=100)]]


class EndRecord(TypedDict):
    """Last line: `records` counts the lines, this one included."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    type: Literal["end"]
    seq: _Count
    records: _Count


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "header": TypeAdapter(HeaderRecord),
    "frame": TypeAdapter(FrameRecord),
    "event": TypeAdapter(EventRecord),
    "pain": TypeAdapter(PainRecord),
    "summary": TypeAdapter(SummaryRecord),
    "end": TypeAdapter(EndRecord),
}


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


def landmarks_from_record(record: Mapping[str, Any], timestamp_s: float) -> Landmarks:
    """Rebuild `Landmarks` from a frame's landmarks: loaded (`LandmarksData`) or as written (lists)."""
    def array(key: str) -> np.ndarray:
        values = record[key]
        if isinstance(values, np.ndarray):
            return values.astype(float)
        if values and isinstance(values[0], list):
            return np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    size = record["size"]
    return Landmarks(array("image"), array("world"), array("visibility"), array("presence"),
                     timestamp_s, (int(size[0]), int(size[1])))


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


def pain_record(when: str, score: int | None, t: float | None = None) -> dict[str, Any]:
    """A pain score (0 = no pain, 10 = worst imaginable) before, during or after the session."""
    if when not in PAIN_WHEN:
        raise ValueError(f"pain: 'when' must be one of {', '.join(PAIN_WHEN)}, not {when!r}")
    if score is not None and (type(score) is not int or not 0 <= score <= 10):
        raise ValueError(f"pain: score must be a whole number from 0 to 10, not {score!r}")
    if score is None and when != "during":
        raise ValueError("pain: a score is needed before and after (only 'during' may have none)")
    return {"type": "pain", "t": None if t is None else round(float(t), 3), "when": when, "score": score}


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
                "required": c.gate,
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


def _private_folder(folder: Path) -> None:
    """Create `folder` (and any missing parents) as 0700; an existing folder is left as it is."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        try:
            candidate.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by someone else
            pass


class SessionLogWriter:
    """Appends records to a session log, chaining and flushing as it goes."""

    def __init__(self, path: str | Path, header: dict[str, Any], flush_every_s: float = 1.0) -> None:
        if header.get("type") != "header":
            raise ValueError("the first record of a session log must be its header")
        self.path = Path(path)
        # Private: a log is health data. Folders this creates are 0700, the file 0600.
        _private_folder(self.path.parent)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never overwrite a log
        self._file = os.fdopen(descriptor, "w", encoding="utf-8")
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

    def pain(self, when: str, score: int | None, t: float | None = None) -> None:
        """Log a pain score (see `pain_record`); flushed at once, like an event."""
        self._append(pain_record(when, score, t))
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
    """A loaded, verified session log: every record checked against its type."""

    header: HeaderRecord
    frames: list[FrameRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    #: Pain scores the patient gave, in the order written (logs from before pain records: none).
    pain: list[PainRecord] = field(default_factory=list)
    #: The summary record without `type` and `seq` (holds, and live or video facts).
    summary: dict[str, Any] | None = None
    complete: bool = True
    problem: str = ""


class _BadLine(Exception):
    """A line that breaks a bound or the schema; the message says which field and why."""


def _no_constants(name: str) -> float:
    raise _BadLine(f"{name} is not a number (JSON has no NaN or Infinity)")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 16:  # 2**53 has 16 digits: never parse a 5000-digit integer
        raise _BadLine(f"an integer with {len(text.lstrip('-'))} digits is out of range")
    return int(text)


# Python refuses integers over 4300 digits itself (ValueError, caught); the schema bounds the
# rest. Only where that limit is switched off is every integer checked (slower).
_DECODER = json.JSONDecoder(parse_constant=_no_constants,
                            parse_int=_bounded_int if sys.get_int_max_str_digits() == 0 else None)


def _parse(line: str) -> Any:
    try:
        return _DECODER.decode(line)
    except RecursionError:
        raise _BadLine("nested too deeply") from None


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "record"


def _schema_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False, include_input=False)[:3]:
        loc = tuple(p for p in item["loc"] if p not in ("function-plain[_points()]", "function-plain[_values()]"))
        problems.append(f"field {_field_name(loc)}: {item['msg'][:200]}")
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _verify_chain(line: str, record: dict[str, Any], previous: str) -> str | None:
    """The line's chain if it matches `previous` and the line's content, else None.

    Fast path: a line as the writer wrote it is its canonical JSON, so the hashed text is
    the line without its chain field. Otherwise the record is re-serialised canonically.
    """
    stated = record.pop("chain", None)
    if not isinstance(stated, str) or len(stated) != 16:
        return None
    if "\\u" not in line:  # escapes: canonical only (lone surrogates must not be accepted)
        for piece in (f',"chain":"{stated}"', f'"chain":"{stated}",'):
            if piece in line:
                text = line.replace(piece, "", 1)
                if hashlib.sha256((previous + text).encode("utf-8")).hexdigest()[:16] == stated:
                    return stated
                break
    try:
        computed = _chain(previous, record)
    except ValueError:  # a number out of range (1e999) that no writer produces
        raise _BadLine("a number is out of range") from None
    except UnicodeEncodeError:
        raise _BadLine("text that is not valid Unicode") from None
    return computed if computed == stated else None


_SHARED_TEXT = ("stretch", "side", "phase", "cue")


def _compact(frame: dict[str, Any]) -> FrameRecord:
    """One copy of each repeated string (ids, states, cues) across frames: a long log stays small."""
    for key in _SHARED_TEXT:
        if frame[key] is not None:
            frame[key] = sys.intern(frame[key])
    frame["hold"]["state"] = sys.intern(frame["hold"]["state"])
    frame["checks"] = {sys.intern(k): {"value": v["value"], "status": sys.intern(v["status"])}
                       for k, v in frame["checks"].items()}
    return frame  # type: ignore[return-value]


def _lines(stream: BinaryIO, path: Path) -> Iterator[tuple[int, bytes]]:
    """Numbered raw lines, each at most MAX_LINE_BYTES (never a whole file in memory)."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 2)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES + 1 or (len(raw) == MAX_LINE_BYTES + 1 and not raw.endswith(b"\n")):
            raise SessionLogError(f"{path}: line {number}: longer than {MAX_LINE_BYTES // (1024 * 1024)} MB "
                                  "(not a session log line)")
        if number > MAX_RECORDS + 1:
            raise SessionLogError(f"{path}: more than {MAX_RECORDS:,} records (not a session log this app writes)")
        yield number, raw


def load_session_log(path: str | Path, allow_incomplete: bool = False) -> SessionLog:
    """Read and verify a session log line by line; raise `SessionLogError` naming the problem.

    Every line is checked for its chain and against its record type (docs/session-log.md)
    before it is used, within the bounds above; landmarks are kept as float32 arrays.
    allow_incomplete: accept a log that stops early (a crashed session), keeping every
    complete, verified line; tampering and malformed records are never accepted.
    Blank lines after the end record are ignored.
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise SessionLogError(f"{path}: {size / 1e6:.0f} MB is larger than a session log can be "
                                      f"({MAX_FILE_BYTES // (1024 * 1024)} MB)")
            return _load(stream, path, allow_incomplete)
    except OSError as error:
        raise SessionLogError(f"{path}: cannot be read ({error.strerror or error})") from None


def _load(stream: BinaryIO, path: Path, allow_incomplete: bool) -> SessionLog:
    log: SessionLog | None = None
    chain = ""
    ended = False
    blank_at: int | None = None
    number = 0

    def incomplete(message: str) -> SessionLog:
        if not allow_incomplete or log is None:
            raise SessionLogError(f"{path}: {message}")
        log.complete, log.problem = False, message
        return log

    for number, raw in _lines(stream, path):
        complete_line = raw.endswith(b"\n")
        try:
            line = raw.decode("utf-8").rstrip("\n")
        except UnicodeDecodeError:
            if not complete_line and log is not None:
                return incomplete(f"line {number}: truncated (the session did not finish writing)")
            if number == 1:
                raise SessionLogError(f"{path}: not a session log (not UTF-8 text)") from None
            raise SessionLogError(f"{path}: line {number}: not UTF-8 text (the file was damaged)") from None
        if not line.strip():
            if number == 1:
                raise SessionLogError(f"{path}: the file is empty")
            blank_at = blank_at or number  # only trailing blank lines are harmless
            continue
        if blank_at is not None:
            raise SessionLogError(f"{path}: line {blank_at}: empty line inside the log (the file was damaged or edited)")
        try:
            record = _parse(line)
        except json.JSONDecodeError:
            if not complete_line and log is not None:
                return incomplete(f"line {number}: truncated (the session did not finish writing)")
            if number == 1:
                raise SessionLogError(f"{path}: not a session log (line 1 is not JSON)") from None
            raise SessionLogError(f"{path}: line {number}: not valid JSON (the file was damaged or edited)") from None
        except _BadLine as problem:
            raise SessionLogError(f"{path}: line {number}: {problem}") from None
        except ValueError as problem:  # Python's own limit on integer digits, and the like
            raise SessionLogError(f"{path}: line {number}: a number is out of range ({problem})") from None
        if not isinstance(record, dict):
            if number == 1:
                raise SessionLogError(f"{path}: not a {FORMAT} file (line 1 is not its header)")
            raise SessionLogError(f"{path}: line {number}: not a JSON object")
        if number == 1:
            if record.get("type") != "header" or record.get("format") != FORMAT:
                raise SessionLogError(f"{path}: not a {FORMAT} file (line 1 is not its header)")
            if record.get("version") != VERSION:
                version = record.get("version")
                shown = repr(version) if isinstance(version, (int, float, str)) and len(repr(version)) < 30 else "?"
                raise SessionLogError(f"{path}: format version {shown} is not supported (this app reads {VERSION})")
        if ended:
            raise SessionLogError(f"{path}: line {number}: data after the end record (the file was edited)")
        seq = record.get("seq")
        if type(seq) is not int or seq != number - 1:
            shown = repr(seq) if type(seq) is int else "missing or not a number"
            raise SessionLogError(f"{path}: line {number}: record number {shown}, expected {number - 1} "
                                  "(lines missing or reordered)")
        try:
            verified = _verify_chain(line, record, chain)
        except _BadLine as problem:
            raise SessionLogError(f"{path}: line {number}: {problem}") from None
        if verified is None:
            raise SessionLogError(f"{path}: line {number}: checksum does not match (the file was edited after it was written)")
        chain = verified
        kind = record.get("type")
        if not isinstance(kind, str) or kind not in _ADAPTERS or (kind == "header") != (number == 1):
            shown = repr(kind) if isinstance(kind, str) and len(kind) < 30 else "?"
            raise SessionLogError(f"{path}: line {number}: unexpected record type {shown}")
        try:
            typed = _ADAPTERS[kind].validate_python(record)
        except ValidationError as error:
            raise SessionLogError(f"{path}: line {number} ({kind}): {_schema_error(error)}") from None
        if kind == "header":
            log = SessionLog(header=typed)
        elif kind == "frame":
            assert log is not None
            log.frames.append(_compact(typed))
        elif kind == "event":
            assert log is not None
            log.events.append(typed)
        elif kind == "pain":
            assert log is not None
            log.pain.append(typed)
        elif kind == "summary":
            assert log is not None
            log.summary = {k: v for k, v in typed.items() if k not in ("type", "seq")}
        elif kind == "end":
            if typed["records"] != number:
                raise SessionLogError(f"{path}: line {number}: end record counts {typed['records']} lines, "
                                      f"file has {number}")
            ended = True
    if log is None:
        raise SessionLogError(f"{path}: the file is empty")
    if not ended:
        return incomplete("no end record: the file is truncated (the session did not finish writing)")
    return log
