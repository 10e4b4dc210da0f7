"""Property-based tests: whatever a stretch or routine file holds, loading it gives either
the loaded object or a `PoseFileError` naming the file, never another exception.

Inputs: random text and bytes, random edits of the seed files' text, and the seed
files parsed, changed (values replaced by values of random types: huge integers,
NaN/inf, long strings, control characters, markup, format specs, deep nesting;
keys removed or added) and written back as TOML.
"""

from __future__ import annotations

import json
import math
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.stretches import (
    DEFAULT_POSES_DIR,
    PoseFileError,
    Routine,
    Stretch,
    load_library,
    load_routine,
    load_stretch,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STRETCH_FILES = sorted(DEFAULT_POSES_DIR.glob("*.toml"))
ROUTINE_FILE = DEFAULT_POSES_DIR / "routines" / "sciatica.toml"
STRETCHES = load_library().stretches


class Raw(str):
    """A TOML fragment written as it is (e.g. 1000 nested brackets)."""


def to_toml(value: Any) -> str:
    """A value as a TOML inline value (tables inline, so a whole file is one key per line)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {to_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def document(data: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(str(key))} = {to_toml(value)}\n" for key, value in data.items())


KEYS = st.sampled_from(["id", "kind", "points", "min", "max", "sides", "reps", "x", "target", "measure"]) | st.text(max_size=8)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.sampled_from([10**400, -(10**400), 0, -1, 1, 21, 601, 10**9]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=20),
    st.sampled_from([
        "x" * 5000, "{working:>400000000}", "{working:^9}", "{working:d}", "{other!r}", "{0}", "{", "}",
        "{working.__class__}", "</script><script>alert(1)</script>", "![t](http://127.0.0.1/)", "a\x1b[31mb",
        "\u202eabc", "angle", "offset", "twist", "working_knee", "near_hip", "left", "right", "world", "torso", "up",
        "downward_dog", "seated_figure_four", "",
    ]),
    st.integers(min_value=1, max_value=1200).map(lambda n: Raw("[" * n + "]" * n)),
    st.integers(min_value=1, max_value=1200).map(lambda n: Raw("{a = " * n + "1" + "}" * n)),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=8)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a parsed file: keys of tables and indices of lists."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield prefix + (key,)
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield prefix + (index,)
            yield from paths(child, prefix + (index,))


@st.composite
def mutated(draw: st.DrawFn, source: Path) -> str:
    """The source file parsed, changed in 1-4 places, written back."""
    data = tomllib.loads(source.read_text())
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        places = list(paths(data))
        where = draw(st.sampled_from(places))
        parent: Any = data
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[where[-1]] = draw(VALUES)
        elif action == "delete":
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[draw(KEYS)] = draw(VALUES)
        else:
            parent.append(draw(VALUES))
    return document(data)


@st.composite
def edited_text(draw: st.DrawFn, source: Path) -> str:
    """The source file's text with a random piece cut out or typed in."""
    text = source.read_text()
    start = draw(st.integers(min_value=0, max_value=len(text)))
    end = draw(st.integers(min_value=start, max_value=min(len(text), start + 40)))
    return text[:start] + draw(st.text(max_size=20)) + text[end:]


def any_file(source: Path) -> st.SearchStrategy[str | bytes]:
    return st.one_of(mutated(source), edited_text(source), st.text(max_size=300), st.binary(max_size=300))


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    return path


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@pytest.mark.parametrize("source", STRETCH_FILES, ids=lambda p: p.stem)
def test_any_stretch_file_loads_or_is_a_pose_file_error(source: Path, folder: Path) -> None:
    @SETTINGS
    @given(content=any_file(source))
    def check(content: str | bytes) -> None:
        path = write(folder, source.name, content)
        try:
            stretch = load_stretch(path)
        except PoseFileError as error:
            assert str(error).startswith(str(path))
        else:
            assert isinstance(stretch, Stretch) and stretch.id == source.stem

    check()


def test_any_routine_file_loads_or_is_a_pose_file_error(folder: Path) -> None:
    @SETTINGS
    @given(content=any_file(ROUTINE_FILE))
    def check(content: str | bytes) -> None:
        path = write(folder, ROUTINE_FILE.name, content)
        try:
            routine = load_routine(path, STRETCHES)
        except PoseFileError as error:
            assert str(error).startswith(str(path))
        else:
            assert isinstance(routine, Routine)
            assert all(step.stretch_id in STRETCHES and step.reps <= 20 for step in routine.steps)

    check()
