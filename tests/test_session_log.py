"""The session log round-trips, and a truncated or edited file is rejected clearly."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from coach.session_log import (
    FORMAT,
    SessionLogError,
    SessionLogWriter,
    event_record,
    frame_record,
    header_record,
    landmarks_from_record,
    load_session_log,
)
from coach.stretches import load_library
from coach.summary import summarize
from coachlab.synthetic.body import BodyProportions
from coach.tracker import StretchTracker

from synthetic_cases import CORRECT, landmarks_for


def write_log(path: Path, frames: int = 5, close: bool = True) -> Path:
    stretch = load_library().stretches["downward_dog"]
    writer = SessionLogWriter(path, header_record([stretch], source="test", model="full"))
    for i in range(frames):
        writer.frame({"type": "frame", "t": i / 10, "stretch": "downward_dog", "side": None, "rep": 1,
                      "phase": "hold", "person": True, "people": 1, "correct": i > 2, "score": 80, "cue": None,
                      "hold": {"state": "holding", "held": i / 10, "run": 0.0, "longest": 0.0, "target": 30.0},
                      "checks": {}, "landmarks": None})
    writer.event({"type": "event", "t": 0.3, "stretch": "downward_dog", "side": None, "rep": 1,
                  "state": "holding", "held": 0.0, "reason": ""})
    if close:
        writer.close({"holds": []})
    else:
        writer._file.flush()
    return path


def test_a_log_round_trips(tmp_path: Path) -> None:
    log = load_session_log(write_log(tmp_path / "s.jsonl"))
    assert log.header["format"] == FORMAT and log.header["version"] == 1
    assert "downward_dog" in log.header["stretches"]
    assert [f["t"] for f in log.frames] == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert len(log.events) == 1 and log.summary == {"holds": []} and log.complete


def test_an_existing_log_is_never_overwritten(tmp_path: Path) -> None:
    path = write_log(tmp_path / "s.jsonl")
    with pytest.raises(FileExistsError):
        write_log(path)


def test_an_edited_value_is_detected_and_the_line_named(tmp_path: Path) -> None:
    path = write_log(tmp_path / "s.jsonl")
    lines = path.read_text().splitlines()
    record = json.loads(lines[3])
    record["correct"] = not record["correct"]
    lines[3] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SessionLogError, match="line 4: checksum does not match"):
        load_session_log(path)
    with pytest.raises(SessionLogError, match="line 4"):
        load_session_log(path, allow_incomplete=True)  # tampering is never accepted


def test_a_removed_line_is_detected(tmp_path: Path) -> None:
    path = write_log(tmp_path / "s.jsonl")
    lines = path.read_text().splitlines()
    del lines[2]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SessionLogError, match="line 3: record number 3, expected 2"):
        load_session_log(path)


def test_a_crashed_session_is_rejected_but_recoverable(tmp_path: Path) -> None:
    path = write_log(tmp_path / "s.jsonl", close=False)
    with pytest.raises(SessionLogError, match="truncated"):
        load_session_log(path)
    recovered = load_session_log(path, allow_incomplete=True)
    assert not recovered.complete and len(recovered.frames) == 5
    # Cut in the middle of a line: everything before it is still recovered.
    data = path.read_bytes()
    path.write_bytes(data[:-20])
    partial = load_session_log(path, allow_incomplete=True)
    assert len(partial.frames) == 5 and "truncated" in partial.problem


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe\x00binary", "not UTF-8 text"),
        (b"hello world\n", "not a session log (line 1 is not JSON)"),
        (b'{"type": "header", "format": "other"}\n', "not a stretch-coach-session file"),
        (b'{"type": "header", "format": "stretch-coach-session", "version": 99}\n', "format version 99 is not supported"),
    ],
)
def test_files_that_are_not_session_logs(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(SessionLogError) as caught:
        load_session_log(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


# ---------------------------------------------------------------- typed records and bounds (issue 12)


def rechain(path: Path, texts: list[str]) -> Path:
    """Write records given as JSON text (without chain) with a correct chain, as anyone can."""
    previous, lines = "", []
    for text in texts:
        previous = hashlib.sha256((previous + text).encode("utf-8")).hexdigest()[:16]
        lines.append(text[:-1] + f',"chain":"{previous}"}}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records_of(path: Path) -> list[dict]:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for record in records:
        record.pop("chain")
    return records


def canonical(record: dict) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write_real_log(path: Path, frames: int = 3) -> Path:
    """A log with real landmarks (the synthetic body through the real tracker and writer)."""
    stretch = load_library().stretches["downward_dog"]
    body = BodyProportions.average_female()
    base = landmarks_for(CORRECT["downward_dog"](body), body, "downward_dog", None)
    tracker = StretchTracker(stretch, None, 30.0)
    with SessionLogWriter(path, header_record([stretch], source="live", model="full")) as writer:
        records = []
        for i in range(frames):
            t = i / 30
            update = tracker.update(dataclasses.replace(base, timestamp_s=t), t)
            record = frame_record(update, t, stretch.id, None, "hold", 1, 1)
            writer.frame(record)
            records.append(record)
        for event in tracker.timer.events:
            writer.event(event_record(event, stretch.id, None, 1))
        writer.close(summarize(records))
    return path


def test_loaded_records_are_typed_with_compact_landmarks(tmp_path: Path) -> None:
    log = load_session_log(write_real_log(tmp_path / "s.jsonl"))
    landmarks = log.frames[0]["landmarks"]
    assert landmarks is not None
    assert landmarks["image"].shape == (33, 3) and landmarks["image"].dtype == np.float32
    assert landmarks["visibility"].shape == (33,)
    rebuilt = landmarks_from_record(landmarks, log.frames[0]["t"])
    assert rebuilt.image.shape == (33, 3) and rebuilt.image_size == tuple(landmarks["size"])
    assert log.summary is not None and log.summary["holds"][0]["stretch"] == "downward_dog"


def mutated(tmp_path: Path, line: int, change) -> Path:
    path = write_real_log(tmp_path / "s.jsonl")
    records = records_of(path)
    texts = [canonical(r) for r in records]
    texts[line - 1] = change(records[line - 1])
    return rechain(tmp_path / "m.jsonl", texts)


def with_field(key: str, value, sub: str | None = None):
    def change(record: dict) -> str:
        target = record[sub] if sub else record
        if value is _DELETE:
            del target[key]
        else:
            target[key] = value
        return canonical(record)
    return change


def raw_value(key: str, raw: str):
    def change(record: dict) -> str:
        record[key] = "@@RAW@@"
        return canonical(record).replace('"@@RAW@@"', raw)
    return change


_DELETE = object()


@pytest.mark.parametrize(
    ("line", "change", "message"),
    [
        (2, with_field("t", "0.5"), "line 2 (frame): field t: Input should be a valid number"),
        (2, with_field("hold", _DELETE), "line 2 (frame): field hold: Field required"),
        (2, with_field("held", "x", sub="hold"), "field hold.held"),
        (1, with_field("stretches", ["downward_dog"]), "line 1 (header): field stretches"),
        (2, with_field("size", [1, 5000], sub="landmarks"), "field landmarks.size[0]"),
        (2, with_field("size", [640, 5000], sub="landmarks"), "640 x 5000 px is not a camera picture"),
        (2, with_field("image", [[0.5, 0.5, 0.0]] * 5000, sub="landmarks"), "field landmarks.image"),
        (2, with_field("visibility", [0.5] * 34, sub="landmarks"), "field landmarks.visibility"),
        (2, with_field("correct", 1), "field correct: Input should be a valid boolean"),
        (2, raw_value("t", "NaN"), "line 2: NaN is not a number"),
        (2, raw_value("t", "-Infinity"), "line 2: -Infinity is not a number"),
        (2, raw_value("t", "1e999"), "line 2 (frame): field t: Input should be a finite number"),
        (2, raw_value("rep", "9" * 5000), "line 2: a number is out of range"),
        (2, raw_value("rep", "9" * 40), "field rep"),
        (2, raw_value("cue", "[" * 100_000 + "]" * 100_000), "line 2: nested too deeply"),
        (2, raw_value("cue", '"' + "x" * (2 * 1024 * 1024) + '"'), "line 2: longer than 1 MB"),
        (2, with_field("type", "summary"), "line 2 (summary): field"),
    ],
)
def test_chain_valid_logs_with_bad_records_are_refused_naming_line_and_field(
        tmp_path: Path, line: int, change, message: str) -> None:
    path = mutated(tmp_path, line, change)
    with pytest.raises(SessionLogError) as caught:
        load_session_log(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_blank_lines_after_the_end_record_are_not_damage(tmp_path: Path) -> None:
    path = write_real_log(tmp_path / "s.jsonl")
    path.write_bytes(path.read_bytes() + b"\n\n")
    assert load_session_log(path).complete
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:2] + [b""] + lines[2:]))
    with pytest.raises(SessionLogError, match="line 3: empty line inside the log"):
        load_session_log(path)


def test_logs_written_before_load_the_same(tmp_path: Path) -> None:
    """The writer's bytes are unchanged, and a line written non-canonically still verifies."""
    path = write_real_log(tmp_path / "s.jsonl")
    records = records_of(path)
    previous, lines = "", []
    for record in records:
        previous = hashlib.sha256((previous + canonical(record)).encode()).hexdigest()[:16]
        lines.append(json.dumps({**record, "chain": previous}, indent=None))  # spaces, unsorted
    other = tmp_path / "o.jsonl"
    other.write_text("\n".join(lines) + "\n")
    assert len(load_session_log(other).frames) == len(load_session_log(path).frames) == 3


def test_logs_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = write_real_log(tmp_path / "new" / "folder" / "s.jsonl")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
