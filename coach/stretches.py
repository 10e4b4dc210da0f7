"""Stretch and routine definitions: plain dataclasses loaded from `poses/*.toml`.

New stretches are data, not code: a TOML file per stretch in `poses/`, a TOML
file per routine in `poses/routines/`. Loading validates everything (pydantic
models of the files, then the frozen dataclasses the coach uses) and every
mistake is reported with the file, the check and the field, e.g.::

    poses/downward_dog.toml: check 2 'knees_straight': target.max must be > target.min

Everything read from a file is bounded (file size, nesting, counts, numbers,
text length) and texts carry no markup, control characters or format specs,
because they end up in web pages, speech and `str.format`.
`docs/pose-format.md` describes the format for authors.
"""

from __future__ import annotations

import math
import os
import re
import stat
import string
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from coach.measurements import (
    KIND_REGISTRY,
    START_SCALE,
    MeasurementSpec,
    MeasureTable,
    Side,
    parse_point,
)

View = Literal["front", "side", "either"]
VIEWS: tuple[str, ...] = ("front", "side", "either")
#: A check's role: a "gate" is the shape of the stretch (the hold counts only while every
#: gate holds); a "depth" check is how far the person goes (measured, shown and logged,
#: never stopping the hold).
Role = Literal["gate", "depth"]
ROLES: tuple[str, ...] = ("gate", "depth")
#: What the coach says when the stretch is done correctly on the other side, unless the
#: stretch file has its own `wrong_side_cue`.
DEFAULT_WRONG_SIDE_CUE = "That is your {other} side; this hold is for your {working} side"
DEFAULT_POSES_DIR = Path(__file__).resolve().parent.parent / "poses"

#: Bounds on what a file may hold (issue 12: nothing from a file is unbounded).
MAX_FILE_BYTES = 256 * 1024
MAX_NESTING = 8
MAX_CHECKS = 20
MAX_LIST_ITEMS = 20
MAX_STEPS = 50
MAX_REPS = 20
MAX_SECONDS = 600.0
MAX_PRIORITY = 100
SHORT_TEXT = 500
LONG_TEXT = 2000
#: A stretch's `benefit`: one plain sentence for the person doing it.
BENEFIT_TEXT = 200
IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")
PLACEHOLDERS = ("working", "other")
#: Markup rejected in texts: they are shown in HTML and markdown and spoken from a script.
MARKUP = ("<", ">", "![", "](")


class PoseFileError(ValueError):
    """A stretch or routine file is wrong. The message names file, check and field.

    One error may hold several problems of the same file (``problems``: pairs
    of where and what); its text is one line per problem.
    """

    def __init__(self, path: Path | str, message: str, where: str = "") -> None:
        self.path = str(path)
        self.problems: tuple[tuple[str, str], ...] = ((where, message),)
        super().__init__(self._line(where, message))

    @classmethod
    def of(cls, path: Path | str, problems: Iterable[tuple[str, str]]) -> PoseFileError:
        """One error for every problem found in a file (at least one)."""
        listed = tuple(problems) or (("", "is not valid"),)
        error = cls(path, listed[0][1], listed[0][0])
        error.problems = listed
        error.args = ("\n".join(error._line(where, what) for where, what in listed),)
        return error

    @property
    def where(self) -> str:
        return self.problems[0][0]

    @property
    def detail(self) -> str:
        return self.problems[0][1]

    def lines(self) -> list[str]:
        """One line per problem, each naming the file."""
        return [self._line(where, what) for where, what in self.problems]

    def _line(self, where: str, message: str) -> str:
        return f"{self.path}: {where}: {message}" if where else f"{self.path}: {message}"


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
    check is the one the person hears. ``role``: a "gate" must hold for the
    hold to count; a "depth" check (how far) is measured and cued but never
    stops the hold, so a stiff patient doing the right shape still gets credit.
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
    role: Role = "gate"
    why: str = ""
    score_falloff: float = 0.0

    @property
    def unit(self) -> str:
        return self.measurement.unit

    @property
    def gate(self) -> bool:
        """A form gate: its failing stops the hold counting (the log's older name: `required`)."""
        return self.role == "gate"


@dataclass(frozen=True)
class StartPosition:
    """Where a stretch begins (its file's `[start]` section), e.g. sitting tall, both feet down.

    The hold waits until every check here holds: in the start position left and right are
    unambiguous, so the coach learns which leg is which before the legs cross. ``cue`` is
    what to do (shown large, said once), ``then`` what to do next, once seen there.
    """

    name: str
    cue: str
    checks: tuple[Check, ...]
    then: str = ""


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
    #: Why do this stretch, in one plain sentence for the person (not the checks' technical notes).
    benefit: str = ""
    #: Said when the other side's gates all hold and this side's do not ({working}/{other}).
    wrong_side_cue: str = DEFAULT_WRONG_SIDE_CUE
    #: What the camera cannot see from the advised view, for the person to check ({working}/{other}):
    #: shown with the instructions, so that the coach's "good form" is not taken to cover it.
    check_yourself: tuple[str, ...] = ()
    #: Gate checks that show the camera sees the person the way this stretch needs (e.g. side-on):
    #: after a change of view in a routine, the countdown waits until they hold. Empty: no wait.
    setup_checks: tuple[str, ...] = ()
    #: The start position the hold begins from (None: the hold starts straight away).
    start: StartPosition | None = None
    #: Below this height in the picture (pixels, head to feet) the stretch is read less
    #: reliably: the Review page says so (None: no such limit measured).
    min_person_height_px: float | None = None

    def sides(self) -> tuple[Side | None, ...]:
        return ("right", "left") if self.has_sides else (None,)

    @property
    def gates(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.gate)

    @property
    def depth_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.gate)


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


def fill_sides(text: str, side: Side | None) -> str:
    """Put the side names into a text written with {working} / {other} placeholders."""
    if side is None:
        return text.format()
    return text.format(working=side, other="left" if side == "right" else "right")


# ---------------------------------------------------------------- reading files


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, bounded: a regular file, at most MAX_FILE_BYTES, MAX_NESTING deep."""
    try:
        # O_NONBLOCK: opening a FIFO named *.toml must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise PoseFileError(path, f"cannot be read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PoseFileError(path, "is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise PoseFileError(path, f"is too large ({info.st_size} bytes; at most {MAX_FILE_BYTES})")
        raw = b""
        while len(raw) <= MAX_FILE_BYTES and (chunk := os.read(fd, MAX_FILE_BYTES + 1 - len(raw))):
            raw += chunk
    except OSError as error:
        raise PoseFileError(path, f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise PoseFileError(path, f"is too large (more than {MAX_FILE_BYTES} bytes)")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PoseFileError(path, "not valid TOML: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise PoseFileError(path, f"not valid TOML: {error}") from None
    except RecursionError:
        raise PoseFileError(path, f"nested too deeply (at most {MAX_NESTING} levels of tables and lists)") from None
    except ValueError:  # tomllib's int() of more than 4300 digits
        raise PoseFileError(path, "not valid TOML: a number has too many digits") from None
    if _depth(data) > MAX_NESTING:
        raise PoseFileError(path, f"nested too deeply (at most {MAX_NESTING} levels of tables and lists)")
    return data


def _depth(value: Any) -> int:
    """How deeply tables and lists nest in a parsed file (without recursion)."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_NESTING:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


# -------------------------------------------------------------- text and names


class _Verbatim(ValueError):
    """A validation message that already names its field (shown as it is)."""


def _context(info: ValidationInfo) -> dict[str, Any]:
    return info.context if isinstance(info.context, dict) else {}


def check_text(text: str, placeholders: Iterable[str] = (), no_placeholder_hint: str = "this stretch has no sides") -> None:
    """Reject what must not come from a file's text: control characters, markup, format specs.

    `{working}` / `{other}` (when ``placeholders`` allow them) are the only
    replacement fields, without a format spec or conversion, so `str.format`
    can neither fail nor build a huge string from them. Raises ValueError.
    """
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Zl", "Zp") or (category == "Cf" and char not in "\u200d"):
            raise ValueError(f"contains a control character {char!r} (not allowed in texts)")
    for markup in MARKUP:
        if markup in text:
            raise ValueError(f"contains {markup!r}: markup is not allowed in texts")
    allowed = set(placeholders)
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError as error:
        raise ValueError(f"{error} (write {{{{ and }}}} for literal braces)") from None
    for name, spec, conversion in fields:
        if name not in allowed:
            hint = "use {working} or {other}" if allowed else no_placeholder_hint
            raise ValueError(f"unknown placeholder {{{name}}} ({hint})")
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} may not have a format spec or conversion; write {{{name}}}")


def _text_rule(max_length: int, *, required: bool) -> AfterValidator:
    def validate(value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if required and not value:
            raise ValueError("must be a non-empty string")
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters, got {len(value)}")
        context = _context(info)
        has_sides = context.get("has_sides")
        hint = "routine texts take none" if "stretches" in context else "this stretch has no sides"
        check_text(value, PLACEHOLDERS if has_sides in (True, None) else (), hint)
        return value

    return AfterValidator(validate)


def _identifier(value: str) -> str:
    if not IDENTIFIER.fullmatch(value):
        raise ValueError("must be 1-64 letters, digits, '_' or '-'")
    return value


def _matches_file_name(value: str, info: ValidationInfo) -> str:
    stem = _context(info).get("stem")
    if stem is not None and value != stem:
        raise _Verbatim(f"'id' must match the file name ({stem!r}), got {value!r}")
    return value


def _point_name(value: str, info: ValidationInfo) -> str:
    qualifier, _ = parse_point(value)
    if qualifier in ("working", "other") and _context(info).get("has_sides") is False:
        raise ValueError(f"{value!r} needs a working side, but the stretch has sides = false")
    return value


#: A required text of at most SHORT_TEXT / LONG_TEXT characters; the Optional ones may be empty.
ShortText = Annotated[str, _text_rule(SHORT_TEXT, required=True)]
LongText = Annotated[str, _text_rule(LONG_TEXT, required=True)]
OptionalShortText = Annotated[str, _text_rule(SHORT_TEXT, required=False)]
OptionalLongText = Annotated[str, _text_rule(LONG_TEXT, required=False)]
BenefitText = Annotated[str, _text_rule(BENEFIT_TEXT, required=False)]
Identifier = Annotated[str, AfterValidator(_identifier)]
FileId = Annotated[str, AfterValidator(_identifier), AfterValidator(_matches_file_name)]
PointName = Annotated[str, Field(max_length=40), AfterValidator(_point_name)]
Seconds = Annotated[float, Field(ge=0.0, le=MAX_SECONDS)]
HoldSeconds = Annotated[float, Field(gt=0.0, le=MAX_SECONDS)]
Reps = Annotated[int, Field(ge=1, le=MAX_REPS)]


# ------------------------------------------------------------ file models


class _FileModel(BaseModel):
    """Strict (no "30" for 30), closed (unknown fields are mistakes), finite numbers only."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class _TargetTable(_FileModel):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _TargetTable:
        if self.min is None and self.max is None:
            raise _Verbatim("target needs min, max or both")
        if self.min is not None and self.max is not None and not self.max > self.min:
            raise _Verbatim("target.max must be > target.min")
        return self


class _CheckTable(_FileModel):
    id: Identifier
    description: ShortText
    measure: MeasureTable
    target: _TargetTable
    hysteresis: float = Field(0.0, ge=0.0)
    cue_low: OptionalShortText = ""
    cue_high: OptionalShortText = ""
    priority: int = Field(ge=1, le=MAX_PRIORITY)
    visible: list[PointName] | None = Field(None, max_length=33)
    role: Role | None = None
    required: bool | None = None
    why: OptionalLongText = ""
    score_falloff: float = Field(0.0, ge=0.0)

    @property
    def relative_to_start(self) -> bool:
        """Measured against the person's own start position (``scale = "start"``)."""
        return getattr(self.measure, "scale", None) == START_SCALE

    @property
    def resolved_role(self) -> Role:
        """`role`, or from the older `required` (false: depth); a gate when neither is given."""
        if self.role is not None:
            return self.role
        return "depth" if self.required is False else "gate"

    @model_validator(mode="after")
    def _fits_the_kind(self) -> _CheckTable:
        kind = self.measure.kind
        if self.role is not None and self.required is not None and self.required != (self.role == "gate"):
            raise _Verbatim(f"'required' = {str(self.required).lower()} contradicts role = '{self.role}' "
                            "(a gate is required, a depth check is not; give only 'role')")
        _target_in_range(kind, type(self.measure).value_range, self.target.min, self.target.max)
        low, high = type(self.measure).value_range
        for key, amount in (("hysteresis", self.hysteresis), ("score_falloff", self.score_falloff)):
            if amount > high - low:
                raise _Verbatim(f"'{key}' = {amount:g} is more than the whole range "
                                f"{low:g}..{high:g} of a '{kind}' measurement")
        for key, bound, cue in (("cue_low", self.target.min, self.cue_low), ("cue_high", self.target.max, self.cue_high)):
            if bound is not None and not cue:
                side = "below target.min" if key == "cue_low" else "above target.max"
                raise _Verbatim(f"missing field '{key}' (what to say when the value is {side})")
        return self

    def to_check(self) -> Check:
        spec = self.measure.spec()
        return Check(
            id=self.id,
            description=self.description,
            measurement=spec,
            target=Target(self.target.min, self.target.max),
            hysteresis=self.hysteresis,
            cue_low=self.cue_low,
            cue_high=self.cue_high,
            priority=self.priority,
            visible=spec.landmark_names() if self.visible is None else tuple(self.visible),
            role=self.resolved_role,
            why=self.why,
            score_falloff=self.score_falloff,
        )


class _StartTable(_FileModel):
    name: ShortText
    cue: ShortText
    then: OptionalShortText = ""
    checks: list[_CheckTable] = Field(min_length=1, max_length=MAX_CHECKS)

    @model_validator(mode="after")
    def _all_hold(self) -> _StartTable:
        for check in self.checks:
            if check.resolved_role != "gate":
                raise _Verbatim(f"check {check.id!r}: role = 'depth' is not allowed in [start] "
                                "(the start position is seen when every one of its checks holds)")
            if check.measure.spec().from_start:
                raise _Verbatim(f"check {check.id!r}: scale = 'start' and at_start are not allowed in [start] "
                                "(they compare a measurement with the start position itself)")
        return self

    def to_start(self) -> StartPosition:
        return StartPosition(self.name, self.cue, tuple(check.to_check() for check in self.checks), self.then)


class _StretchFile(_FileModel):
    id: FileId
    name: ShortText
    summary: ShortText
    benefit: BenefitText = ""
    instructions: list[LongText] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    view: View
    view_advice: LongText
    sides: bool
    side_note: OptionalLongText = ""
    hold_seconds: HoldSeconds
    reps: Reps = 1
    rest_seconds: Seconds = 0.0
    visibility_threshold: float = Field(0.5, ge=0.0, le=1.0)
    min_person_height_px: float | None = Field(None, ge=16.0, le=4000.0)
    cautions: list[LongText] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    check_yourself: list[LongText] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    source: OptionalLongText = ""
    wrong_side_cue: OptionalShortText = ""
    setup_checks: list[str] = Field(default_factory=list, max_length=MAX_CHECKS)
    checks: list[_CheckTable] = Field(min_length=1, max_length=MAX_CHECKS)
    start: _StartTable | None = None

    @model_validator(mode="after")
    def _has_a_gate(self) -> _StretchFile:
        if not any(check.resolved_role == "gate" for check in self.checks):
            raise _Verbatim("no check has role = 'gate': without one every frame would count as held")
        relative = [check.id for check in self.checks if check.relative_to_start]
        if relative and self.start is None:
            raise _Verbatim(f"check {relative[0]!r} has scale = 'start', but the stretch has no [start] section "
                            "to take that reference from")
        if self.wrong_side_cue and not self.sides:
            raise _Verbatim("'wrong_side_cue' given, but the stretch has sides = false")
        gates = [check.id for check in self.checks if check.resolved_role == "gate"]
        for name in self.setup_checks:
            if name not in gates:
                raise _Verbatim(f"'setup_checks' names {name!r}, which is not a gate check of this stretch"
                                f" (its gate checks: {', '.join(gates)})")
        if len(set(self.setup_checks)) != len(self.setup_checks):
            raise _Verbatim("'setup_checks' names a check twice")
        return self

    def to_stretch(self, path: Path) -> Stretch:
        return Stretch(
            id=self.id,
            name=self.name,
            summary=self.summary,
            instructions=tuple(self.instructions),
            view=self.view,
            view_advice=self.view_advice,
            has_sides=self.sides,
            hold_seconds=self.hold_seconds,
            reps=self.reps,
            rest_seconds=self.rest_seconds,
            checks=tuple(check.to_check() for check in self.checks),
            visibility_threshold=self.visibility_threshold,
            cautions=tuple(self.cautions),
            check_yourself=tuple(self.check_yourself),
            side_note=self.side_note,
            source=self.source,
            path=str(path),
            wrong_side_cue=self.wrong_side_cue or DEFAULT_WRONG_SIDE_CUE,
            benefit=self.benefit,
            setup_checks=tuple(self.setup_checks),
            start=self.start.to_start() if self.start is not None else None,
            min_person_height_px=self.min_person_height_px,
        )


def _target_in_range(kind: str, value_range: tuple[float, float], low_bound: float | None,
                     high_bound: float | None) -> None:
    """A target must lie inside the values its measurement kind can give."""
    low, high = value_range
    for key, value in (("min", low_bound), ("max", high_bound)):
        if value is not None and not low <= value <= high:
            raise _Verbatim(f"target.{key} = {value:g} is outside the possible range "
                            f"{low:g}..{high:g} of a '{kind}' measurement")


class DepthTargetError(ValueError):
    """A depth target (e.g. a therapist's prescription) that does not fit the stretch."""


def with_depth_targets(stretch: Stretch, targets: dict[str, Target]) -> Stretch:
    """The stretch with some depth checks' targets replaced (a per-patient prescription).

    Only depth checks may be changed (gates are the shape of the stretch), each target
    must be ordered, lie inside its measurement kind's value range and have a cue for
    every bound it gives. Raises `DepthTargetError` naming the stretch, check and problem.
    """
    by_id = {check.id: check for check in stretch.checks}
    problems = []
    for check_id, target in targets.items():
        check = by_id.get(check_id)
        where = f"{stretch.id}: check {check_id!r}"
        if check is None:
            problems.append(f"{where}: no such check (checks: {', '.join(by_id)})")
            continue
        if check.gate:
            problems.append(f"{where}: is a gate (the shape of the stretch); only depth targets can be set")
            continue
        if target.min is None and target.max is None:
            problems.append(f"{where}: target needs min, max or both")
            continue
        if not all(v is None or (isinstance(v, (int, float)) and math.isfinite(v)) for v in (target.min, target.max)):
            problems.append(f"{where}: target bounds must be finite numbers")
            continue
        if target.min is not None and target.max is not None and not target.max > target.min:
            problems.append(f"{where}: target.max must be > target.min")
            continue
        try:
            _target_in_range(check.measurement.kind, check.measurement.value_range, target.min, target.max)
        except _Verbatim as error:
            problems.append(f"{where}: {error}")
            continue
        for bound, cue, name in ((target.min, check.cue_low, "cue_low"), (target.max, check.cue_high, "cue_high")):
            if bound is not None and not cue:
                problems.append(f"{where}: the stretch file has no '{name}' for this bound")
    if problems:
        raise DepthTargetError("; ".join(problems))
    checks = tuple(replace(c, target=targets[c.id]) if c.id in targets else c for c in stretch.checks)
    return replace(stretch, checks=checks)


class _StepTable(_FileModel):
    stretch: Identifier
    sides: list[str] | None = None
    reps: Reps | None = None
    hold_seconds: HoldSeconds | None = None
    rest_seconds: Seconds | None = None

    @field_validator("stretch")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        stretches = _context(info).get("stretches", {})
        if value not in stretches:
            known = ", ".join(sorted(stretches)) or "none"
            raise _Verbatim(f"'stretch' names an unknown stretch {value!r} (known: {known})")
        return value

    @field_validator("sides")
    @classmethod
    def _left_right(cls, sides: list[str]) -> list[str]:
        if not sides or len(sides) > 2 or len(set(sides)) != len(sides) or not set(sides) <= {"left", "right"}:
            raise _Verbatim("'sides' must list 'left' and/or 'right'")
        return sides

    @model_validator(mode="after")
    def _sides_fit_the_stretch(self, info: ValidationInfo) -> _StepTable:
        stretch = _context(info).get("stretches", {}).get(self.stretch)
        if self.sides is not None and stretch is not None and not stretch.has_sides:
            raise _Verbatim(f"'sides' given, but stretch {self.stretch!r} has no sides")
        return self

    def to_step(self, stretch: Stretch) -> RoutineStep:
        sides: tuple[Side | None, ...] = stretch.sides() if self.sides is None else tuple(self.sides)  # type: ignore[arg-type]
        return RoutineStep(
            stretch_id=self.stretch,
            sides=sides,
            reps=stretch.reps if self.reps is None else self.reps,
            hold_seconds=stretch.hold_seconds if self.hold_seconds is None else self.hold_seconds,
            rest_seconds=stretch.rest_seconds if self.rest_seconds is None else self.rest_seconds,
        )


class _RoutineFile(_FileModel):
    id: FileId
    name: ShortText
    description: OptionalLongText = ""
    countdown_seconds: Seconds = 5.0
    steps: list[_StepTable] = Field(min_length=1, max_length=MAX_STEPS)

    def to_routine(self, path: Path, stretches: dict[str, Stretch]) -> Routine:
        steps = tuple(step.to_step(stretches[step.stretch]) for step in self.steps)
        return Routine(self.id, self.name, self.description, self.countdown_seconds, steps, path=str(path))


# ------------------------------------------------------------- error messages
#
# pydantic reports each problem with a location such as ("checks", 3, "measure",
# "angle", "points"); authors read "check 4 'knees_straight': measure: 'points'".

_LABELS = {"checks": ("check", "id"), "steps": ("step", "stretch")}


def _problems(error: ValidationError, data: dict[str, Any]) -> list[tuple[str, str]]:
    return [_problem(detail, data) for detail in error.errors(include_url=False)]


def _problem(detail: Any, data: dict[str, Any]) -> tuple[str, str]:
    where: list[str] = []
    names: list[str | int] = []
    loc = list(detail["loc"])
    i = 0
    section = data
    if loc and loc[0] == "start" and (len(loc) > 1 or detail["type"] == "value_error"):  # the [start] section: its checks are labelled like the others
        where.append("[start]")
        section = data.get("start") if isinstance(data.get("start"), dict) else {}
        i = 1
    while i < len(loc):
        part = loc[i]
        if not names and part in _LABELS and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            where.append(_label(section, str(part), loc[i + 1]))
            i += 2
        elif not names and where and part == "measure" and detail["type"] != "missing":
            where.append("measure")
            i += 2 if i + 1 < len(loc) and loc[i + 1] in KIND_REGISTRY else 1
        else:
            names.append(part)
            i += 1
    return ": ".join(where), _describe(detail, names)


def _label(data: dict[str, Any], key: str, index: int) -> str:
    """ "check 4 'knees_straight'": the entry's number and, if it is a clean name, its id."""
    noun, id_key = _LABELS[key]
    entries = data.get(key)
    entry = entries[index] if isinstance(entries, list) and 0 <= index < len(entries) else None
    name = entry.get(id_key) if isinstance(entry, dict) else None
    if isinstance(name, str) and IDENTIFIER.fullmatch(name):
        return f"{noun} {index + 1} '{name}'"
    return f"{noun} {index + 1}"


def _field(names: list[str | int]) -> str:
    """'hysteresis', target.min, 'instructions' item 2."""
    keys = [str(name) for name in names if isinstance(name, str)]
    text = "" if not keys else f"'{keys[0]}'" if len(keys) == 1 else ".".join(keys)
    for name in names:
        if isinstance(name, int):
            text += f" item {name + 1}"
    return text


def _show(value: Any) -> str:
    """A value from the file, short and safe to print."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else "a very large number"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return repr(value[:40] + ("…" if len(value) > 40 else ""))
    return "a table" if isinstance(value, dict) else "a list" if isinstance(value, list) else type(value).__name__


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _describe(detail: Any, names: list[str | int]) -> str:
    kind: str = detail["type"]
    ctx: dict[str, Any] = detail.get("ctx") or {}
    value = detail.get("input")
    field = _field(names)

    def must(text: str) -> str:
        return f"{field} {text}" if field else text

    if kind == "value_error":
        cause = ctx.get("error")
        message = str(cause)
        if isinstance(cause, _Verbatim) or not field:
            return message
        return must(message) if message.startswith("must ") else f"{field}: {message}"
    if kind == "missing":
        return f"missing field {field}"
    if kind == "union_tag_not_found":
        return "missing field 'kind'"
    if kind == "extra_forbidden":
        parent, key = ".".join(str(name) for name in names[:-1]), names[-1] if names else "?"
        text = f"unknown field '{key}' (check the spelling)"
        return f"{parent}: {text}" if parent else text
    if kind in ("literal_error", "union_tag_invalid"):
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected") or ctx.get("expected_tags") or ""))
        got = _show(ctx["tag"]) if kind == "union_tag_invalid" else _show(value)
        return (f"{field} " if field else "'kind' ") + f"must be one of {', '.join(expected)}, got {got}"
    simple = {
        "string_type": "must be a string",
        "finite_number": "must be a finite number",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "bool_type": "must be true or false",
        "list_type": "must be a list",
        "model_type": "must be a table",
        "model_attributes_type": "must be a table",
        "dict_type": "must be a table",
    }
    if kind in simple:
        return must(simple[kind])
    if kind in ("float_type", "float_parsing"):
        too_large = isinstance(value, int) and not isinstance(value, bool)
        return must("is too large a number" if too_large else "must be a number")
    bounds = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "?")
        return must(f"must be {bounds[kind]} {_number(limit)}, got {_show(value)}")
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return must("must be a non-empty list" if least == 1 else f"must have at least {least} items")
    if kind == "too_long":
        return must(f"must have at most {ctx.get('max_length')} items, got {ctx.get('actual_length')}")
    if kind == "string_too_long":
        return must(f"must be at most {ctx.get('max_length')} characters")
    return f"{field}: {detail['msg']}" if field else str(detail["msg"])


# ------------------------------------------------------------------- loading


def parse_stretch(data: dict[str, Any], path: Path | str) -> Stretch:
    """Build a `Stretch` from parsed TOML, validating every field; all problems in one error."""
    path = Path(path)
    if not isinstance(data, dict):
        raise PoseFileError(path, "must be a table")
    sides = data.get("sides")
    context = {"stem": path.stem, "has_sides": sides if isinstance(sides, bool) else None}
    problems: list[tuple[str, str]] = []
    try:
        model = _StretchFile.model_validate(data, context=context)
    except ValidationError as error:
        problems = _problems(error, data)
    problems += _duplicate_checks(data)
    start = data.get("start")
    if isinstance(start, dict):
        problems += [(f"[start]: {where}", what) for where, what in _duplicate_checks(start)]
    if problems:
        raise PoseFileError.of(path, problems)
    return model.to_stretch(path)


def _duplicate_checks(data: dict[str, Any]) -> list[tuple[str, str]]:
    checks = data.get("checks")
    seen: set[str] = set()
    problems = []
    for number, table in enumerate(checks if isinstance(checks, list) else [], start=1):
        check_id = table.get("id") if isinstance(table, dict) else None
        if isinstance(check_id, str) and IDENTIFIER.fullmatch(check_id):
            if check_id in seen:
                problems.append((f"check {number} '{check_id}'", f"'id' {check_id!r} is used by two checks"))
            seen.add(check_id)
    return problems


def load_stretch(path: Path | str) -> Stretch:
    path = Path(path)
    return parse_stretch(_read_toml(path), path)


def parse_routine(data: dict[str, Any], path: Path | str, stretches: dict[str, Stretch]) -> Routine:
    """Build a `Routine` from parsed TOML; its steps must name stretches of ``stretches``."""
    path = Path(path)
    if not isinstance(data, dict):
        raise PoseFileError(path, "must be a table")
    context = {"stem": path.stem, "has_sides": False, "stretches": stretches}
    try:
        model = _RoutineFile.model_validate(data, context=context)
    except ValidationError as error:
        raise PoseFileError.of(path, _problems(error, data)) from None
    return model.to_routine(path, stretches)


def load_routine(path: Path | str, stretches: dict[str, Stretch]) -> Routine:
    path = Path(path)
    return parse_routine(_read_toml(path), path, stretches)


# ---------------------------------------------------------------------- folders


def _toml_files(directory: Path) -> Iterator[Path]:
    try:
        yield from sorted(directory.glob("*.toml"))
    except OSError as error:
        raise PoseFileError(directory, f"cannot be listed: {error.strerror or error}") from None


def _unexpected(path: Path, error: Exception) -> PoseFileError:
    """A loader bug must still name the file, and never hide the other files' errors."""
    text = str(error)[:200]
    return PoseFileError(path, f"could not be checked ({type(error).__name__}: {text})")


def validate_folder(directory: Path | str) -> tuple[Library, list[PoseFileError]]:
    """Load every stretch and routine of a folder; collect all errors, not just the first.

    Each file is loaded on its own: whatever goes wrong with one becomes a
    `PoseFileError` naming it, and the others are still checked.
    """
    directory = Path(directory)
    library = Library()
    errors: list[PoseFileError] = []
    if not directory.is_dir():
        return library, [PoseFileError(directory, "is not a folder")]
    for folder, is_routine in ((directory, False), (directory / "routines", True)):
        try:
            paths = list(_toml_files(folder)) if folder.is_dir() else []
        except PoseFileError as error:
            errors.append(error)
            continue
        for path in paths:
            try:
                if is_routine:
                    routine = load_routine(path, library.stretches)
                    library.routines[routine.id] = routine
                else:
                    stretch = load_stretch(path)
                    library.stretches[stretch.id] = stretch
            except PoseFileError as error:
                errors.append(error)
            except Exception as error:  # noqa: BLE001 - see the docstring
                errors.append(_unexpected(path, error))
    return library, errors


def load_library(directory: Path | str = DEFAULT_POSES_DIR) -> Library:
    """Load a poses folder; raise the first error (all are listed by `coach check-poses`)."""
    library, errors = validate_folder(directory)
    if errors:
        raise errors[0]
    return library
