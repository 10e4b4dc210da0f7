"""Session logs into database rows: import one log, or rebuild every derived row from a folder.

The hash-chained log is the source of truth; rows are derived from it and carry
nothing a log does not hold, except who the patient is (`log_owners`, kept across
rebuilds) and pain scores typed in afterwards (`entered_pain`, kept too). A log is
known by its content key (`log_key`: SHA-256 of its lines, trailing blank lines
ignored), so the same log imported twice, or from another folder, is one session.
Each import is one transaction: a log the loader refuses leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from coach.session_log import SessionLog, SessionLogError, load_session_log
from coach.store import models
from coach.store.accounts import patient_name, utcnow
from coach.store.database import Database, StoreError
from coach.summary import summarize

#: A rise of this many points (before -> after) is the smallest change patients notice: flagged.
PAIN_RISE_FLAG = 2
FLAG_PAIN_ROSE = "pain_rose"
FLAG_STOPPED_EARLY = "stopped_early"


@dataclass(frozen=True)
class ImportResult:
    session_id: int
    created: bool  # False: this log was imported before (same content)
    patient_id: int


@dataclass
class RebuildResult:
    imported: int = 0
    #: Logs no patient is known for (never imported with `coach import`).
    unowned: list[str] = field(default_factory=list)
    #: Logs the loader refused, one line each (file and line named).
    refused: list[str] = field(default_factory=list)
    #: Sessions imported before whose log was not found in the folder (their rows are gone).
    missing: int = 0


def log_key(path: str | Path) -> str:
    """SHA-256 over the log's lines (each ending in one newline; trailing blank lines ignored)."""
    digest = hashlib.sha256()
    blanks = 0
    with Path(path).open("rb") as stream:
        for raw in stream:
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                blanks += 1
                continue
            digest.update(b"\n" * blanks + line + b"\n")
            blanks = 0
    return digest.hexdigest()


def _utc(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise StoreError(f"the log's start time {text[:40]!r} is not an ISO 8601 time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _best(values: list[float], low: float | None, high: float | None) -> float:
    """The deepest value: highest for a minimum-only target, lowest for a maximum-only one,
    nearest the middle of a two-sided range."""
    if low is not None and high is None:
        return max(values)
    if high is not None and low is None:
        return min(values)
    if low is not None and high is not None:
        middle = (low + high) / 2
        return min(values, key=lambda v: abs(v - middle))
    return statistics.median(values)


def _pain_scores(log: SessionLog) -> dict[str, int]:
    """The last before and after score the log holds."""
    scores: dict[str, int] = {}
    for record in log.pain:
        if record["when"] in ("before", "after") and record["score"] is not None:
            scores[record["when"]] = record["score"]
    return scores


def _set_pain(s: DbSession, row: models.Session, from_log: Mapping[str, int]) -> None:
    entered = {p.when: p.score for p in s.scalars(select(models.EnteredPain)
                                                   .where(models.EnteredPain.log_key == row.log_key))}
    row.pain_before = from_log.get("before", entered.get("before"))
    row.pain_after = from_log.get("after", entered.get("after"))
    flags = [f for f in row.flags or [] if f != FLAG_PAIN_ROSE]
    if row.pain_before is not None and row.pain_after is not None and row.pain_after - row.pain_before >= PAIN_RISE_FLAG:
        flags.append(FLAG_PAIN_ROSE)
    row.flags = flags


def _derive(log: SessionLog, key: str, patient_id: int, path: Path) -> tuple[models.Session, dict[str, int]]:
    header = log.header
    source = header["source"]
    frames = log.frames
    summary = log.summary or {}
    holds = summary.get("holds") if log.summary is not None else summarize(frames, log.events)["holds"]
    live = summary.get("live")
    row = models.Session(
        log_key=key, patient_id=patient_id,
        source="live" if source == "live" else "video",
        video_file=source.split(":", 1)[1] if source.startswith("video:") else None,
        started=_utc(header["started"]), log_path=str(path.resolve()), routine=header["routine"],
        model=header["model"], app_version=header["app_version"],
        duration_s=round(frames[-1]["t"] - frames[0]["t"], 2) if frames else 0.0,
        stopped_early=None if live is None else live["stopped_early"],
        flags=[FLAG_STOPPED_EARLY] if live is not None and live["stopped_early"] else [],
    )
    correct: dict[tuple[str, str | None, int], list[Mapping[str, Any]]] = defaultdict(list)
    for frame in frames:
        if frame["phase"] == "hold" and frame["correct"]:
            correct[(frame["stretch"], frame["side"], frame["rep"])].append(frame)
    skipped = {(h["stretch"], h["side"], h["rep"]): h for h in (live or {}).get("holds", [])}
    seen = set()
    for position, hold in enumerate(holds):
        slot = (hold["stretch"], hold["side"], hold["rep"])
        seen.add(slot)
        row.holds.append(models.Hold(
            position=position, stretch=hold["stretch"], side=hold["side"], rep=hold["rep"],
            held_s=hold["held_s"], target_s=hold["target_s"], completed=hold["completed"],
            longest_hold_s=hold["longest_hold_s"], time_to_first_correct_s=hold["time_to_first_correct_s"],
            skipped=bool(slot in skipped and skipped[slot]["skipped"]),
            depths=_depths(header["stretches"].get(hold["stretch"]), correct[slot]),
            cues=[models.Cue(rank=rank, cue=str(cue), seconds=float(seconds))
                  for rank, (cue, seconds) in enumerate(hold["top_cues"], start=1)],
        ))
    for slot, result in skipped.items():  # holds skipped before any hold frame was logged
        if slot not in seen:
            row.holds.append(models.Hold(
                position=len(row.holds), stretch=result["stretch"], side=result["side"], rep=result["rep"],
                held_s=result["held_s"], target_s=result["target_s"], completed=result["completed"],
                longest_hold_s=result.get("longest_hold_s", 0.0),
                time_to_first_correct_s=result.get("time_to_first_correct_s"), skipped=result["skipped"]))
    row.pain_events = [models.PainEvent(position=i, when=p["when"], t=p["t"], score=p["score"])
                       for i, p in enumerate(log.pain)]
    return row, _pain_scores(log)


def _depths(stretch: Mapping[str, Any] | None, frames: list[Mapping[str, Any]]) -> list[models.Depth]:
    """Median and best of each check over the hold's correct frames (the checks the log describes)."""
    depths = []
    for position, check in enumerate((stretch or {}).get("checks", [])):
        values = [f["checks"][check["id"]]["value"] for f in frames
                  if check["id"] in f["checks"] and f["checks"][check["id"]]["value"] is not None]
        depths.append(models.Depth(
            position=position, check_id=check["id"], kind=check["kind"], unit=check["unit"],
            target_min=check["min"], target_max=check["max"], frames=len(values),
            median=round(statistics.median(values), 3) if values else None,
            best=round(_best(values, check["min"], check["max"]), 3) if values else None))
    return depths


def _add(s: DbSession, log: SessionLog, key: str, patient_id: int, path: Path) -> models.Session:
    row, from_log = _derive(log, key, patient_id, path)
    s.add(row)
    s.flush()
    _set_pain(s, row, from_log)
    return row


def import_log(db: Database, path: str | Path, patient_id: int | None = None, *,
               create_patient: str | None = None, recover: bool = False) -> ImportResult:
    """Import one session log for a patient; the same log again is the same session.

    `create_patient`: instead of `patient_id`, add a new patient of this name (in the
    same transaction: a refused log adds no patient). Raises `SessionLogError`
    (damaged, edited, truncated: the line is named) or `StoreError` (no such patient,
    the log belongs to another patient); either way nothing is written.
    `recover`: accept a log that stops early, as far as it is complete and verified: only for
    this app's own live logs whose process ended mid-session (`coach.store.pending`); a log
    someone sends is never recovered. Its owner is kept, so `rebuild` recovers it again.
    """
    if (patient_id is None) == (create_patient is None):
        raise StoreError("give a patient id or a new patient's name")
    path = Path(path)
    log = load_session_log(path, allow_incomplete=recover)
    key = log_key(path)
    with db.transaction() as s:
        if create_patient is not None:
            patient = models.Patient(name=patient_name(create_patient), created_at=utcnow())
            s.add(patient)
            s.flush()
            patient_id = patient.id
        assert patient_id is not None
        if s.get(models.Patient, patient_id) is None:
            raise StoreError(f"no patient {patient_id}")
        owner = s.get(models.LogOwner, key)
        if owner is not None and owner.patient_id != patient_id:
            raise StoreError(f"{path}: this session was imported for patient {owner.patient_id} already")
        existing = s.scalar(select(models.Session).where(models.Session.log_key == key))
        if existing is not None:
            return ImportResult(existing.id, created=False, patient_id=patient_id)
        if owner is None:
            s.add(models.LogOwner(log_key=key, patient_id=patient_id, log_path=str(path.resolve()),
                                  imported_at=utcnow()))
            s.flush()
        row = _add(s, log, key, patient_id, path)
        return ImportResult(row.id, created=True, patient_id=patient_id)


def rebuild(db: Database, logs_folder: str | Path) -> RebuildResult:
    """Drop every derived row and import again each log under `logs_folder` whose patient is known.

    Patients, therapists, assignments, prescriptions, log owners and entered pain
    scores are kept. One transaction: if anything fails, the old rows stay.
    """
    folder = Path(logs_folder)
    if not folder.is_dir():
        raise StoreError(f"{folder}: is not a folder")
    result = RebuildResult()
    with db.transaction() as s:
        for table in models.DERIVED:
            s.execute(delete(table))
        owners = {o.log_key: o for o in s.scalars(select(models.LogOwner))}
        found: set[str] = set()
        for path in sorted(folder.rglob("*.jsonl")):
            try:
                key = log_key(path)
            except OSError as error:
                result.refused.append(f"{path}: cannot be read ({error.strerror or error})")
                continue
            owner = owners.get(key)
            try:
                # A log that stops early has an owner only if it was recovered (`import_log(recover=True)`).
                log = load_session_log(path, allow_incomplete=owner is not None)
            except SessionLogError as error:
                result.refused.append(str(error))
                continue
            if owner is None:
                result.unowned.append(str(path))
                continue
            if key in found:  # a copy of a log already rebuilt
                continue
            found.add(key)
            owner.log_path = str(path.resolve())
            _add(s, log, key, owner.patient_id, path)
            result.imported += 1
        result.missing = len(set(owners) - found)
    return result


def record_pain(db: Database, session_id: int, when: str, score: int) -> None:
    """Enter a 0-10 pain score for a session whose log holds none for `when` (before/after)."""
    if when not in ("before", "after"):
        raise StoreError(f"pain: 'when' must be before or after, not {when!r}")
    if type(score) is not int or not 0 <= score <= 10:
        raise StoreError(f"pain: the score must be a whole number from 0 to 10, not {score!r}")
    with db.transaction() as s:
        row = s.get(models.Session, session_id)
        if row is None:
            raise StoreError(f"no session {session_id}")
        from_log = {p.when: p.score for p in row.pain_events if p.when in ("before", "after") and p.score is not None}
        if when in from_log:
            raise StoreError(f"session {session_id}: its log holds a pain score {when} the session already")
        entry = s.get(models.EnteredPain, (row.log_key, when))
        if entry is None:
            s.add(models.EnteredPain(log_key=row.log_key, when=when, score=score, entered_at=utcnow()))
        else:
            entry.score, entry.entered_at = score, utcnow()
        s.flush()
        _set_pain(s, row, from_log)
