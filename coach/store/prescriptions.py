"""A patient's plan: which stretches, sides, holds, reps, rest and depth targets, and a note.

A plan is a TOML file a therapist writes (and may send to the patient), validated
like the stretch files: strict types, unknown fields refused, every problem named
with the file, the step and the field, e.g.::

    plan.toml: step 2 'downward_dog': targets.knees_straight: min = 200 is outside the possible
    range 0..180 of a 'angle' measurement

    note = "Gently. Stop if tingling starts."
    countdown_seconds = 5          # optional

    [[steps]]
    stretch = "seated_figure_four" # a stretch id of the library
    sides = ["right", "left"]      # optional (default: the stretch's sides)
    hold_seconds = 30              # optional, as reps and rest_seconds (default: the stretch file's)
    reps = 2
    rest_seconds = 10
    [steps.targets.crossed_knee_down]   # optional: a depth target for one of the stretch's checks
    max = 0.05

`prescription_routine` turns a plan into the `Routine` the live coach runs, and
`prescribed_stretches` gives the stretches with the plan's depth targets in place.
Plans are kept in the database per patient (`save_prescription`); the newest is active.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, model_validator
from sqlalchemy import select, update

from coach.stretches import (
    MAX_FILE_BYTES,
    MAX_STEPS,
    Library,
    OptionalLongText,
    PoseFileError,
    Routine,
    RoutineStep,
    Seconds,
    Stretch,
    Target,
    _context,
    _FileModel,
    _problems,
    _read_toml,
    _StepTable,
    _Verbatim,
)
from coach.store import models
from coach.store.accounts import User, may_see, utcnow
from coach.store.database import Database, StoreError

ROUTINE_ID = "prescription"


class _PlanTarget(_FileModel):
    min: float | None = None
    max: float | None = None


class _PlanStep(_StepTable):
    """A routine step (stretch, sides, reps, hold, rest: validated as in routine files) plus depth targets."""

    targets: dict[str, _PlanTarget] = Field(default_factory=dict, max_length=20)

    @model_validator(mode="after")
    def _targets_fit_the_checks(self, info: ValidationInfo) -> _PlanStep:
        stretch: Stretch | None = _context(info).get("stretches", {}).get(self.stretch)
        if stretch is None:
            return self
        checks = {c.id: c for c in stretch.checks}
        for check_id, target in self.targets.items():
            check = checks.get(check_id)
            if check is None:
                raise _Verbatim(f"targets.{check_id}: {self.stretch!r} has no check {check_id!r} "
                                f"(its checks: {', '.join(checks)})")
            if target.min is None and target.max is None:
                raise _Verbatim(f"targets.{check_id}: needs min, max or both")
            if target.min is not None and target.max is not None and not target.max > target.min:
                raise _Verbatim(f"targets.{check_id}: max must be > min")
            low, high = check.measurement.value_range
            for key, value in (("min", target.min), ("max", target.max)):
                if value is not None and not low <= value <= high:
                    raise _Verbatim(f"targets.{check_id}: {key} = {value:g} is outside the possible range "
                                    f"{low:g}..{high:g} of a '{check.measurement.kind}' measurement")
        return self


class _PlanFile(_FileModel):
    note: OptionalLongText = ""
    countdown_seconds: Seconds = 5.0
    steps: list[_PlanStep] = Field(min_length=1, max_length=MAX_STEPS)


@dataclass(frozen=True)
class PrescribedStep:
    stretch_id: str
    sides: tuple[str | None, ...]
    reps: int
    hold_seconds: float
    rest_seconds: float
    #: Depth targets by check id (replacing the stretch file's for this patient).
    targets: dict[str, Target]


@dataclass(frozen=True)
class Prescription:
    steps: tuple[PrescribedStep, ...]
    note: str = ""
    countdown_seconds: float = 5.0

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prescription:
        steps = tuple(PrescribedStep(s["stretch_id"], tuple(s["sides"]), s["reps"], s["hold_seconds"],
                                     s["rest_seconds"], {k: Target(**v) for k, v in s["targets"].items()})
                      for s in data["steps"])
        return cls(steps, data["note"], data["countdown_seconds"])


@dataclass(frozen=True)
class StoredPrescription:
    id: int
    patient_id: int
    prescription: Prescription
    toml_text: str
    created_by: int | None
    created_at: datetime
    active: bool


def parse_prescription(data: Any, path: Path | str, library: Library) -> Prescription:
    """Validate a parsed plan file against the library; all problems in one `PoseFileError`."""
    if not isinstance(data, dict):
        raise PoseFileError(path, "must be a table")
    try:
        plan = _PlanFile.model_validate(data, context={"stretches": library.stretches, "has_sides": False,
                                                       "stem": Path(path).stem})
    except ValidationError as error:
        raise PoseFileError.of(path, _problems(error, data)) from None
    steps = []
    for step in plan.steps:
        routine_step = step.to_step(library.stretches[step.stretch])
        steps.append(PrescribedStep(step.stretch, routine_step.sides, routine_step.reps, routine_step.hold_seconds,
                                    routine_step.rest_seconds,
                                    {k: Target(t.min, t.max) for k, t in step.targets.items()}))
    return Prescription(tuple(steps), plan.note, plan.countdown_seconds)


def load_prescription(path: str | Path, library: Library) -> Prescription:
    path = Path(path)
    return parse_prescription(_read_toml(path), path, library)


def prescription_from_text(text: str, library: Library, name: str = "plan.toml") -> Prescription:
    """A plan from its TOML text (an upload, the database); errors name `name`."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise PoseFileError(name, f"is too large (more than {MAX_FILE_BYTES} bytes)")
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as error:
        raise PoseFileError(name, f"not valid TOML: {error}") from None
    return parse_prescription(data, name, library)


def prescription_routine(prescription: Prescription, library: Library) -> Routine:
    """The routine the live coach runs for this plan (run it with `prescribed_stretches`)."""
    missing = [s.stretch_id for s in prescription.steps if s.stretch_id not in library.stretches]
    if missing:
        raise StoreError(f"the plan names stretches this app does not have: {', '.join(missing)}")
    steps = tuple(RoutineStep(s.stretch_id, s.sides, s.reps, s.hold_seconds, s.rest_seconds)  # type: ignore[arg-type]
                  for s in prescription.steps)
    return Routine(ROUTINE_ID, "Your plan", prescription.note, prescription.countdown_seconds, steps)


def prescribed_stretches(prescription: Prescription, library: Library) -> dict[str, Stretch]:
    """The library's stretches with the plan's depth targets in place of the file's."""
    stretches = dict(library.stretches)
    targets: dict[str, dict[str, Target]] = {}
    for step in prescription.steps:
        targets.setdefault(step.stretch_id, {}).update(step.targets)
    for stretch_id, by_check in targets.items():
        stretch = stretches[stretch_id]
        checks = tuple(dataclasses.replace(c, target=by_check[c.id]) if c.id in by_check else c
                       for c in stretch.checks)
        stretches[stretch_id] = dataclasses.replace(stretch, checks=checks)
    return stretches


def save_prescription(db: Database, user: User, patient_id: int, toml_text: str, library: Library,
                      name: str = "plan.toml") -> StoredPrescription:
    """Validate and store a plan for a patient; it becomes the active one (older ones are kept, inactive)."""
    if user.role == "patient" or not may_see(db, user, patient_id):
        raise StoreError(f"you may not prescribe for patient {patient_id}")
    prescription = prescription_from_text(toml_text, library, name)
    with db.transaction() as s:
        if s.get(models.Patient, patient_id) is None:
            raise StoreError(f"no patient {patient_id}")
        s.execute(update(models.Prescription).where(models.Prescription.patient_id == patient_id)
                  .values(active=False))
        row = models.Prescription(patient_id=patient_id, toml_text=toml_text, parsed=prescription.to_json(),
                                  note=prescription.note, created_by=user.id if user.role == "therapist" else None,
                                  created_at=utcnow(), active=True)
        s.add(row)
        s.flush()
        return _stored(row)


def _stored(row: models.Prescription) -> StoredPrescription:
    return StoredPrescription(row.id, row.patient_id, Prescription.from_json(row.parsed), row.toml_text,
                              row.created_by, row.created_at, row.active)


def active_prescription(db: Database, user: User, patient_id: int) -> StoredPrescription | None:
    """The patient's current plan (None: no plan; the patient runs the standard routines)."""
    if not may_see(db, user, patient_id):
        raise StoreError(f"no patient {patient_id} you may see")
    with db.session() as s:
        row = s.scalar(select(models.Prescription).where(models.Prescription.patient_id == patient_id,
                                                         models.Prescription.active.is_(True))
                       .order_by(models.Prescription.id.desc()))
        return None if row is None else _stored(row)
