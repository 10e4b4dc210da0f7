"""The session log round-trips, and a truncated or edited file is rejected clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.session_log import (
    FORMAT,
    SessionLogError,
    SessionLogWriter,
    header_record,
    load_session_log,
)
from coach.stretches import load_library


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
