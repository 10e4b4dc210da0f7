"""Property: any file gives a verified `SessionLog` or a `SessionLogError`, never another exception.

Mutations of a real log (values and types changed, fields deleted, NaN, 1e999, huge
integers, deep nesting, lines duplicated, dropped or cut) have their chain
recomputed, as anyone can, so the schema and the bounds must catch them, not the
checksum. Whatever loads must not crash the readers of a log (the summary and the
Review page's charts and replay).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.session_log import SessionLog, SessionLogError, load_session_log
from coach.stretches import load_library
from coach.summary import summarize
from coach.ui import charts, session_report

from test_session_log import canonical, records_of, write_real_log

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RAW = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "9" * 5000, "[" * 3000 + "]" * 3000, "1e308"]
LIBRARY = load_library()

_workdir = tempfile.TemporaryDirectory(prefix="log-fuzz-")
WORK = Path(_workdir.name)
REAL = write_real_log(WORK / "real.jsonl", frames=4)
RECORDS = records_of(REAL)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=8,
)
values = json_values | st.sampled_from(RAW).map(lambda raw: f"@@RAW:{raw}@@")


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Places in a record (the first few items of long lists)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield from paths(item, (*prefix, index))


def text_of(record: dict[str, Any]) -> str:
    text = canonical(record)
    for raw in RAW:
        text = text.replace(json.dumps(f"@@RAW:{raw}@@"), raw)
    return text


def rechain(texts: list[str]) -> bytes:
    previous, lines = "", []
    for text in texts:
        previous = hashlib.sha256((previous + text).encode("utf-8")).hexdigest()[:16]
        lines.append(text[:-1] + f',"chain":"{previous}"}}' if text.endswith("}") else text)
    return ("\n".join(lines) + "\n").encode("utf-8")


@st.composite
def mutated_logs(draw: st.DrawFn) -> bytes:
    records = json.loads(json.dumps(RECORDS))  # a fresh copy
    texts: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(records) - 1))
        record = records[index]
        place = draw(st.sampled_from(list(paths(record))[1:]))
        parent = record
        for step in place[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[place[-1]]
        else:
            parent[place[-1]] = draw(values)
    texts = [text_of(r) for r in records]
    how = draw(st.sampled_from(["as is", "duplicate", "drop", "swap", "blank lines"]))
    if how == "duplicate":
        i = draw(st.integers(0, len(texts) - 1))
        texts.insert(i, texts[i])
    elif how == "drop":
        del texts[draw(st.integers(0, len(texts) - 1))]
    elif how == "swap":
        i = draw(st.integers(0, len(texts) - 2))
        texts[i], texts[i + 1] = texts[i + 1], texts[i]
    data = rechain(texts)
    if how == "blank lines":
        data += b"\n" * draw(st.integers(1, 3))
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return data


def read_like_a_consumer(log: SessionLog) -> None:
    """What the Review page does with a loaded log (without Streamlit)."""
    summary = summarize(log.frames, log.events) if log.frames else (log.summary or {"holds": []})
    charts.hold_rows(summary.get("holds", []), session_report.header_names(log.header))
    for group in charts.hold_groups(log.frames)[:2]:
        group.label(log.header)
        charts.hold_chart(group.frames)
        for info in charts.check_infos(log.header, group.stretch_id):
            charts.check_title(info, group.side)
            charts.check_chart(group.frames, info, group.side)
        stretch = LIBRARY.stretches.get(group.stretch_id)
        charts.draw_skeleton(group.frames[0], stretch, width=320)
        charts.draw_skeleton(group.frames[-1], None, width=320)


def load_or_refuse(data: bytes, allow_incomplete: bool) -> None:
    path = WORK / "fuzzed.jsonl"
    path.write_bytes(data)
    try:
        log = load_session_log(path, allow_incomplete=allow_incomplete)
    except SessionLogError as error:
        assert str(path) in str(error)
        return
    read_like_a_consumer(log)


def test_the_real_log_itself_loads_and_reads() -> None:
    log = load_session_log(REAL)
    read_like_a_consumer(log)
    assert len(log.frames) == 4


@FUZZ
@given(data=mutated_logs(), allow_incomplete=st.booleans())
def test_a_mutated_log_with_a_recomputed_chain_loads_or_is_refused(data: bytes, allow_incomplete: bool) -> None:
    load_or_refuse(data, allow_incomplete)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=2000), allow_incomplete=st.booleans())
def test_random_bytes_are_refused_with_the_logs_own_error(data: bytes, allow_incomplete: bool) -> None:
    load_or_refuse(data, allow_incomplete)


@settings(max_examples=40, deadline=None)  # most of these load, and reading them draws charts
@given(tail=st.binary(max_size=300))
def test_a_real_log_with_random_bytes_after_it_is_refused_or_loads(tail: bytes) -> None:
    load_or_refuse(REAL.read_bytes() + tail, allow_incomplete=True)
