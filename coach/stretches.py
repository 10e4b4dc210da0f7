"""Stretch and routine definitions: plain dataclasses loaded from `poses/*.toml`.

New stretches are data, not code: a TOML file per stretch in `poses/`, a TOML
file per routine in `poses/routines/`. Loading validates everything and every
mistake is reported with the file, the check and the field, e.g.::

    poses/downward_dog.toml: check 2 'knees_straight': target.max must be > target.min

`docs/pose-format.md` describes the format for authors.
"""

from __future__ import annotations

import math
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from coach.measurements import (
    DISTANCE_AXES,
    KINDS,
    OFFSET_AXES,
    POINT_COUNTS,
    SCALES,
    WORLD_ONLY_KINDS,
    MeasurementSpec,
    Side,
    parse_point,
)

View = Literal["front", "side", "either"]
VIEWS: tuple[str, ...] = ("front", "side", "either")
#: Valid ranges of each measurement kind (targets must lie inside them).
KIND_LIMITS: dict[str, tuple[float, float]] = {
    "angle": (0.0, 180.0),
    "inclination": (0.0, 180.0),
    "twist": (-180.0, 180.0),
    "turn": (-180.0, 180.0),
    "offset": (-10.0, 10.0),
    "distance": (0.0, 10.0),
}
DEFAULT_POSES_DIR = Path(__file__).resolve().parent.parent / "poses"


class PoseFileError(ValueError):
    """A stretch or routine file is wrong. The message names file, check and field."""

    def __init__(self, path: Path | str, message: str, where: str = "") -> None:
        self.path = str(path)
        self.where = where
        self.detail = message
        prefix = f"{self.path}: {where}: " if where else f"{self.path}: "
        super().__init__(prefix + message)


@dataclass(frozen=True)
class Target:
    """Acceptable range of a measurement; either bound may be open (None)."""

    min: float | None = None
    max: float | None = None

    def contains(self, value: float, margin: float = 0.0) -> bool:
        if self.min is not None and value < self.min - margin:
            return False
        if self.max is not None and value > self.max + margin:
            return False
        return True

    def describe(self, unit: str = "") -> str:
        space = "" if unit == "°" else " "
        if self.min is not None and self.max is not None:
            return f"{self.min:g}–{self.max:g}{space}{unit}".strip()
        if self.min is not None:
            return f"≥ {self.min:g}{space}{unit}".strip()
        return f"≤ {self.max:g}{space}{unit}".strip()


@dataclass(frozen=True)
class Check:
    """One thing the coach checks about a stretch.

    Points are named relative to the working side, so a two-sided stretch is
    written once. ``hysteresis`` widens the range once the check is passing
    ("enter tight, exit loose"), which stops the verdict flickering on noise.
    Priority 1 is the most important; the cue of the most important failing
    check is the one the person hears.
    """

    id: str
    description: str
    measurement: MeasurementSpec
    target: Target
    hysteresis: float
    cue_low: str
    cue_high: str
    priority: int
    visible: tuple[str, ...]
    required: bool = True
    why: str = ""
    score_falloff: float = 0.0

    @property
    def unit(self) -> str:
        return self.measurement.unit


@dataclass(frozen=True)
class Stretch:
    """A stretch definition (one `poses/*.toml` file)."""

    id: str
    name: str
    summary: str
    instructions: tuple[str, ...]
    view: View
    view_advice: str
    has_sides: bool
    hold_seconds: float
    reps: int
    rest_seconds: float
    checks: tuple[Check, ...]
    visibility_threshold: float = 0.5
    cautions: tuple[str, ...] = ()
    side_note: str = ""
    source: str = ""
    path: str = ""

    def sides(self) -> tuple[Side | None, ...]:
        return ("right", "left") if self.has_sides else (None,)


@dataclass(frozen=True)
class RoutineStep:
    """One stretch in a routine, done on the listed sides, `reps` times each."""

    stretch_id: str
    sides: tuple[Side | None, ...]
    reps: int
    hold_seconds: float
    rest_seconds: float


@dataclass(frozen=True)
class Routine:
    id: str
    name: str
    description: str
    countdown_seconds: float
    steps: tuple[RoutineStep, ...]
    path: str = ""


@dataclass
class Library:
    """Every stretch and routine of a poses folder, by id."""

    stretches: dict[str, Stretch] = field(default_factory=dict)
    routines: dict[str, Routine] = field(default_factory=dict)


# ---------------------------------------------------------------- field readers


class _Fields:
    """Reads typed fields from a TOML table and names the field in any error."""

    def __init__(self, table: Any, path: Path | str, where: str = "") -> None:
        if not isinstance(table, dict):
            raise PoseFileError(path, "must be a table", where)
        self.table = table
        self.path = path
        self.where = where
        self.used: set[str] = set()

    def error(self, message: str) -> PoseFileError:
        return PoseFileError(self.path, message, self.where)

    def _get(self, key: str, default: Any, required: bool) -> Any:
        self.used.add(key)
        if key not in self.table:
            if required:
                raise self.error(f"missing field '{key}'")
            return default
        return self.table[key]

    def text(self, key: str, default: str | None = None, *, allow_empty: bool = False) -> str:
        value = self._get(key, default, default is None)
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.error(f"'{key}' must be a non-empty string")
        return value.strip()

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        minimum: float | None = None,
        exclusive_minimum: float | None = None,
    ) -> float:
        value = self._get(key, default, default is None)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(f"'{key}' must be a number")
        if minimum is not None and value < minimum:
            raise self.error(f"'{key}' must be >= {minimum:g}, got {value:g}")
        if exclusive_minimum is not None and value <= exclusive_minimum:
            raise self.error(f"'{key}' must be > {exclusive_minimum:g}, got {value:g}")
        return float(value)

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self._get(key, default, default is None)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"'{key}' must be a whole number")
        if value < minimum:
            raise self.error(f"'{key}' must be >= {minimum}, got {value}")
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self._get(key, default, default is None)
        if not isinstance(value, bool):
            raise self.error(f"'{key}' must be true or false")
        return value

    def text_list(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self._get(key, default, default is None)
        if isinstance(value, tuple):
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(f"'{key}' must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def choice(self, key: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in options:
            raise self.error(f"'{key}' must be one of {', '.join(options)}, got {value!r}")
        return value

    def reject_unknown(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.error(f"unknown field '{unknown[0]}' (check the spelling)")


# ------------------------------------------------------------------- stretches


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PoseFileError(path, f"not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise PoseFileError(path, "not valid TOML: the file is not UTF-8 text") from None
    except OSError as error:
        raise PoseFileError(path, f"cannot be read: {error.strerror or error}") from None


def _parse_measurement(fields: _Fields, has_sides: bool) -> MeasurementSpec:
    sub = _Fields(fields._get("measure", None, True), fields.path, fields.where)
    sub.where = f"{fields.where}: measure" if fields.where else "measure"
    kind = sub.choice("kind", KINDS)
    points = sub.text_list("points", ())
    expected = POINT_COUNTS[kind]
    if len(points) != expected:
        raise sub.error(f"'points' must name {expected} points for kind '{kind}', got {len(points)}")
    for name in points:
        try:
            qualifier, _ = parse_point(name)
        except ValueError as error:
            raise sub.error(f"'points': {error}") from None
        if qualifier in ("working", "other") and not has_sides:
            raise sub.error(
                f"'points': {name!r} needs a working side, but the stretch has sides = false"
            )
    space = sub.choice("space", ("image", "world"), "image")
    if kind in WORLD_ONLY_KINDS and space != "world":
        raise sub.error(f"'space' must be 'world' for kind '{kind}' (rotation needs depth)")
    axis = "any"
    scale = "none"
    if kind == "offset":
        axis = sub.choice("axis", OFFSET_AXES)
        if axis in ("toward_other_side", "toward_working_side") and not has_sides:
            raise sub.error(f"'axis': {axis!r} needs a working side, but the stretch has sides = false")
    if kind == "distance":
        axis = sub.choice("axis", DISTANCE_AXES, "any")
    if kind in ("offset", "distance"):
        scale = sub.choice("scale", SCALES)
        if scale.startswith(("working_", "other_")) and not has_sides:
            raise sub.error(f"'scale': {scale!r} needs a working side, but the stretch has sides = false")
    sub.reject_unknown()
    return MeasurementSpec(kind=kind, points=points, space=space, axis=axis, scale=scale)  # type: ignore[arg-type]


def fill_sides(text: str, side: Side | None) -> str:
    """Put the side names into a text written with {working} / {other} placeholders."""
    if side is None:
        return text.format()
    return text.format(working=side, other="left" if side == "right" else "right")


def _check_placeholders(fields: _Fields, key: str, text: str, has_sides: bool) -> None:
    """Cues may say "{working}" / "{other}" (the side names); nothing else is allowed."""
    allowed = {"working", "other"} if has_sides else set()
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise fields.error(f"'{key}': {error} (write {{{{ and }}}} for literal braces)") from None
    unknown = sorted(names - allowed)
    if unknown:
        hint = "use {working} or {other}" if has_sides else "this stretch has no sides"
        raise fields.error(f"'{key}': unknown placeholder {{{unknown[0]}}} ({hint})")


def _parse_check(table: Any, path: Path, number: int, has_sides: bool) -> Check:
    label = table.get("id") if isinstance(table, dict) else None
    where = f"check {number} '{label}'" if isinstance(label, str) else f"check {number}"
    fields = _Fields(table, path, where)
    check_id = fields.text("id")
    description = fields.text("description")
    _check_placeholders(fields, "description", description, has_sides)
    measurement = _parse_measurement(fields, has_sides)

    target_fields = _Fields(fields._get("target", None, True), path, where)
    target_fields.where = where
    lo_hi = [target_fields.table.get(k) for k in ("min", "max")]
    for key in ("min", "max"):
        if key in target_fields.table:
            value = target_fields.table[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise fields.error(f"target.{key} must be a number")
    target_fields.used.update({"min", "max"})
    unknown = sorted(set(target_fields.table) - {"min", "max"})
    if unknown:
        raise fields.error(f"target: unknown field '{unknown[0]}' (use min and/or max)")
    low, high = (None if v is None else float(v) for v in lo_hi)
    if low is None and high is None:
        raise fields.error("target needs min, max or both")
    if low is not None and high is not None and not high > low:
        raise fields.error("target.max must be > target.min")
    limit_lo, limit_hi = KIND_LIMITS[measurement.kind]
    for key, value in (("min", low), ("max", high)):
        if value is not None and not limit_lo <= value <= limit_hi:
            raise fields.error(
                f"target.{key} = {value:g} is outside the possible range "
                f"{limit_lo:g}..{limit_hi:g} of a '{measurement.kind}' measurement"
            )

    hysteresis = fields.number("hysteresis", 0.0, minimum=0.0)
    cue_low = fields.text("cue_low", "" if low is None else None, allow_empty=low is None)
    cue_high = fields.text("cue_high", "" if high is None else None, allow_empty=high is None)
    for key, cue in (("cue_low", cue_low), ("cue_high", cue_high)):
        _check_placeholders(fields, key, cue, has_sides)
    priority = fields.integer("priority", minimum=1)
    default_visible = measurement.landmark_names()
    visible = fields.text_list("visible", default_visible)
    for name in visible:
        try:
            qualifier, _ = parse_point(name)
        except ValueError as error:
            raise fields.error(f"'visible': {error}") from None
        if qualifier in ("working", "other") and not has_sides:
            raise fields.error(f"'visible': {name!r} needs a working side, but the stretch has sides = false")
    required = fields.boolean("required", True)
    why = fields.text("why", "", allow_empty=True)
    falloff = fields.number("score_falloff", 0.0, minimum=0.0)
    fields.reject_unknown()
    return Check(
        id=check_id,
        description=description,
        measurement=measurement,
        target=Target(low, high),
        hysteresis=hysteresis,
        cue_low=cue_low,
        cue_high=cue_high,
        priority=priority,
        visible=visible,
        required=required,
        why=why,
        score_falloff=falloff,
    )


def parse_stretch(data: dict[str, Any], path: Path | str) -> Stretch:
    """Build a `Stretch` from parsed TOML, validating every field."""
    path = Path(path)
    fields = _Fields(data, path)
    stretch_id = fields.text("id")
    if stretch_id != path.stem:
        raise fields.error(f"'id' must match the file name ({path.stem!r}), got {stretch_id!r}")
    has_sides = fields.boolean("sides")
    raw_checks = fields._get("checks", None, True)
    if not isinstance(raw_checks, list) or not raw_checks:
        raise fields.error("'checks' must be a non-empty list of [[checks]] tables")
    checks = tuple(_parse_check(t, path, i, has_sides) for i, t in enumerate(raw_checks, start=1))
    seen: set[str] = set()
    for i, check in enumerate(checks, start=1):
        if check.id in seen:
            raise PoseFileError(path, f"'id' {check.id!r} is used by two checks", f"check {i} '{check.id}'")
        seen.add(check.id)
    stretch = Stretch(
        id=stretch_id,
        name=fields.text("name"),
        summary=fields.text("summary"),
        instructions=fields.text_list("instructions"),
        view=fields.choice("view", VIEWS),  # type: ignore[arg-type]
        view_advice=fields.text("view_advice"),
        has_sides=has_sides,
        hold_seconds=fields.number("hold_seconds", exclusive_minimum=0.0),
        reps=fields.integer("reps", 1, minimum=1),
        rest_seconds=fields.number("rest_seconds", 0.0, minimum=0.0),
        checks=checks,
        visibility_threshold=fields.number("visibility_threshold", 0.5, minimum=0.0),
        cautions=fields.text_list("cautions", ()),
        side_note=fields.text("side_note", "", allow_empty=True),
        source=fields.text("source", "", allow_empty=True),
        path=str(path),
    )
    if stretch.visibility_threshold > 1.0:
        raise fields.error("'visibility_threshold' must be <= 1")
    if not stretch.instructions:
        raise fields.error("'instructions' must list at least one step")
    for key, texts in (("instructions", stretch.instructions), ("summary", (stretch.summary,))):
        for text in texts:
            _check_placeholders(fields, key, text, has_sides)
    fields.reject_unknown()
    return stretch


def load_stretch(path: Path | str) -> Stretch:
    path = Path(path)
    return parse_stretch(_read_toml(path), path)


# -------------------------------------------------------------------- routines


def _parse_step(table: Any, path: Path, number: int, stretches: dict[str, Stretch]) -> RoutineStep:
    label = table.get("stretch") if isinstance(table, dict) else None
    where = f"step {number} '{label}'" if isinstance(label, str) else f"step {number}"
    fields = _Fields(table, path, where)
    stretch_id = fields.text("stretch")
    stretch = stretches.get(stretch_id)
    if stretch is None:
        known = ", ".join(sorted(stretches)) or "none"
        raise fields.error(f"'stretch' names an unknown stretch {stretch_id!r} (known: {known})")
    if stretch.has_sides:
        names = fields.text_list("sides", ("right", "left"))
        if not names or any(n not in ("left", "right") for n in names):
            raise fields.error("'sides' must list 'left' and/or 'right'")
        sides: tuple[Side | None, ...] = tuple(names)  # type: ignore[assignment]
    else:
        if "sides" in fields.table:
            raise fields.error(f"'sides' given, but stretch {stretch_id!r} has no sides")
        sides = (None,)
    step = RoutineStep(
        stretch_id=stretch_id,
        sides=sides,
        reps=fields.integer("reps", stretch.reps, minimum=1),
        hold_seconds=fields.number("hold_seconds", stretch.hold_seconds, exclusive_minimum=0.0),
        rest_seconds=fields.number("rest_seconds", stretch.rest_seconds, minimum=0.0),
    )
    fields.reject_unknown()
    return step


def parse_routine(data: dict[str, Any], path: Path | str, stretches: dict[str, Stretch]) -> Routine:
    path = Path(path)
    fields = _Fields(data, path)
    routine_id = fields.text("id")
    if routine_id != path.stem:
        raise fields.error(f"'id' must match the file name ({path.stem!r}), got {routine_id!r}")
    raw_steps = fields._get("steps", None, True)
    if not isinstance(raw_steps, list) or not raw_steps:
        raise fields.error("'steps' must be a non-empty list of [[steps]] tables")
    routine = Routine(
        id=routine_id,
        name=fields.text("name"),
        description=fields.text("description", "", allow_empty=True),
        countdown_seconds=fields.number("countdown_seconds", 5.0, minimum=0.0),
        steps=tuple(_parse_step(t, path, i, stretches) for i, t in enumerate(raw_steps, start=1)),
        path=str(path),
    )
    fields.reject_unknown()
    return routine


def load_routine(path: Path | str, stretches: dict[str, Stretch]) -> Routine:
    path = Path(path)
    return parse_routine(_read_toml(path), path, stretches)


def single_stretch_routine(stretch: Stretch, countdown_seconds: float = 5.0) -> Routine:
    """A routine of just one stretch (both sides if it has them)."""
    step = RoutineStep(stretch.id, stretch.sides(), stretch.reps, stretch.hold_seconds, stretch.rest_seconds)
    return Routine(stretch.id, stretch.name, stretch.summary, countdown_seconds, (step,))


# ---------------------------------------------------------------------- folders


def validate_folder(directory: Path | str) -> tuple[Library, list[PoseFileError]]:
    """Load every stretch and routine of a folder; collect all errors, not just the first."""
    directory = Path(directory)
    library = Library()
    errors: list[PoseFileError] = []
    if not directory.is_dir():
        return library, [PoseFileError(directory, "is not a folder")]
    for path in sorted(directory.glob("*.toml")):
        try:
            stretch = load_stretch(path)
        except PoseFileError as error:
            errors.append(error)
            continue
        library.stretches[stretch.id] = stretch
    for path in sorted((directory / "routines").glob("*.toml")):
        try:
            routine = load_routine(path, library.stretches)
        except PoseFileError as error:
            errors.append(error)
            continue
        library.routines[routine.id] = routine
    return library, errors


def load_library(directory: Path | str = DEFAULT_POSES_DIR) -> Library:
    """Load a poses folder; raise the first error (all are listed by `coach check-poses`)."""
    library, errors = validate_folder(directory)
    if errors:
        raise errors[0]
    return library
