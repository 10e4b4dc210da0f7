"""What the therapist pages show, as typed dataclasses; every query takes the `User` asking.

A patient sees only their own sessions, a therapist only their assigned
patients'. Asking for anything else is answered exactly like asking for
something that does not exist (`StoreError` "no session 7 you may see"), so
trying ids tells nothing.

Adherence (as of a moment, default now, UTC): days with at least one session in
the last 30 days (today included; the US remote-monitoring rule counts 16 of 30),
sessions a week over the last 4 weeks (sessions in the last 28 days / 4), and the
last session's start.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coach.store import models
from coach.store.accounts import User, utcnow, visible_patient_ids
from coach.store.database import Database, StoreError
from coach.store.importer import FLAG_PAIN_ROSE, PAIN_RISE_FLAG
from coach.store.prescriptions import active_prescription

ADHERENCE_DAYS = 30
WEEKS = 4


@dataclass(frozen=True)
class Adherence:
    days_active: int  # of the last ADHERENCE_DAYS
    sessions_per_week: float  # over the last WEEKS weeks
    last_session: datetime | None


@dataclass(frozen=True)
class PatientRow:
    id: int
    name: str
    adherence: Adherence
    #: Sessions in the last 30 days whose pain rose by PAIN_RISE_FLAG or more.
    pain_flags: int


@dataclass(frozen=True)
class SessionRow:
    id: int
    patient_id: int
    started: datetime
    source: str
    video_file: str | None
    routine: str | None
    duration_s: float
    holds: int
    holds_completed: int
    pain_before: int | None
    pain_after: int | None
    flags: tuple[str, ...]
    log_path: str

    @property
    def pain_rose(self) -> bool:
        return FLAG_PAIN_ROSE in self.flags


@dataclass(frozen=True)
class DepthRow:
    check_id: str
    kind: str
    unit: str
    frames: int  # correct frames the check was measured in
    median: float | None
    best: float | None
    target_min: float | None  # as the log's stretch file had it
    target_max: float | None


@dataclass(frozen=True)
class HoldRow:
    stretch: str
    side: str | None
    rep: int
    held_s: float
    target_s: float
    completed: bool
    longest_hold_s: float
    time_to_first_correct_s: float | None
    skipped: bool
    depths: tuple[DepthRow, ...]
    cues: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class PainRecordRow:
    when: str
    t: float | None
    score: int | None


@dataclass(frozen=True)
class SessionDetail:
    session: SessionRow
    holds: tuple[HoldRow, ...]
    pain: tuple[PainRecordRow, ...]


@dataclass(frozen=True)
class DepthPoint:
    check_id: str
    unit: str
    median: float | None
    best: float | None
    target_min: float | None  # the patient's prescribed target if any, else the log's
    target_max: float | None
    prescribed: bool


@dataclass(frozen=True)
class TrendPoint:
    session_id: int
    started: datetime
    held_s: float  # the best rep of the session
    target_s: float
    reps: int
    completed: int
    depths: tuple[DepthPoint, ...]


@dataclass(frozen=True)
class Trend:
    stretch: str
    side: str | None
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class SideDifference:
    """Right minus left for a two-sided stretch in one session."""

    session_id: int
    started: datetime
    stretch: str
    held_s: float
    depth_medians: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PainPoint:
    session_id: int
    started: datetime
    before: int | None
    after: int | None

    @property
    def rose(self) -> bool:
        return self.before is not None and self.after is not None and self.after - self.before >= PAIN_RISE_FLAG


@dataclass(frozen=True)
class Trends:
    by_stretch: tuple[Trend, ...]
    side_differences: tuple[SideDifference, ...]
    pain: tuple[PainPoint, ...]


def _check_patient(db: Database, user: User, patient_id: int) -> None:
    if patient_id not in visible_patient_ids(db, user):
        raise StoreError(f"no patient {patient_id} you may see")


def _row(session: models.Session) -> SessionRow:
    return SessionRow(session.id, session.patient_id, session.started, session.source, session.video_file,
                      session.routine, session.duration_s, len(session.holds),
                      sum(1 for h in session.holds if h.completed), session.pain_before, session.pain_after,
                      tuple(session.flags or ()), session.log_path)


def _hold(hold: models.Hold) -> HoldRow:
    return HoldRow(hold.stretch, hold.side, hold.rep, hold.held_s, hold.target_s, hold.completed,
                   hold.longest_hold_s, hold.time_to_first_correct_s, hold.skipped,
                   tuple(DepthRow(d.check_id, d.kind, d.unit, d.frames, d.median, d.best, d.target_min,
                                  d.target_max) for d in hold.depths),
                   tuple((c.cue, c.seconds) for c in hold.cues))


def _range(start: date | None, end: date | None) -> list:  # type: ignore[type-arg]
    """Conditions for sessions started on `start` .. `end` (whole days, both included)."""
    conditions = []
    if start is not None:
        conditions.append(models.Session.started >= datetime.combine(start, datetime.min.time()))
    if end is not None:
        conditions.append(models.Session.started < datetime.combine(end + timedelta(days=1), datetime.min.time()))
    return conditions


def adherence(db: Database, user: User, patient_id: int, as_of: datetime | None = None) -> Adherence:
    _check_patient(db, user, patient_id)
    return _adherence(db, patient_id, as_of or utcnow())


def _adherence(db: Database, patient_id: int, as_of: datetime) -> Adherence:
    first_day = as_of.date() - timedelta(days=ADHERENCE_DAYS - 1)
    with db.session() as s:
        starts = list(s.scalars(select(models.Session.started).where(models.Session.patient_id == patient_id,
                                                                     models.Session.started <= as_of)))
    days = {t.date() for t in starts if t.date() >= first_day}
    recent = [t for t in starts if t > as_of - timedelta(weeks=WEEKS)]
    return Adherence(len(days), round(len(recent) / WEEKS, 2), max(starts, default=None))


def patients_for(db: Database, user: User, as_of: datetime | None = None) -> list[PatientRow]:
    """The patients `user` may see, by name, with adherence and pain flags."""
    as_of = as_of or utcnow()
    ids = visible_patient_ids(db, user)
    with db.session() as s:
        patients = list(s.scalars(select(models.Patient).where(models.Patient.id.in_(ids))
                                  .order_by(models.Patient.name, models.Patient.id)))
        flagged: dict[int, int] = defaultdict(int)
        for session in s.scalars(select(models.Session).where(
                models.Session.patient_id.in_(ids), models.Session.started <= as_of,
                models.Session.started > as_of - timedelta(days=ADHERENCE_DAYS))):
            if FLAG_PAIN_ROSE in (session.flags or ()):
                flagged[session.patient_id] += 1
    return [PatientRow(p.id, p.name, _adherence(db, p.id, as_of), flagged[p.id]) for p in patients]


def sessions_for(db: Database, user: User, patient_id: int | None = None, start: date | None = None,
                 end: date | None = None) -> list[SessionRow]:
    """Sessions `user` may see (one patient's, if given), newest first."""
    ids = visible_patient_ids(db, user)
    if patient_id is not None:
        _check_patient(db, user, patient_id)
        ids = {patient_id}
    with db.session() as s:
        rows = s.scalars(select(models.Session).where(models.Session.patient_id.in_(ids), *_range(start, end))
                         .options(selectinload(models.Session.holds))
                         .order_by(models.Session.started.desc(), models.Session.id.desc()))
        return [_row(r) for r in rows]


def get_session(db: Database, user: User, session_id: int) -> SessionDetail:
    """One session with its holds, if `user` may see it (else the same error as for no such session)."""
    with db.session() as s:
        row = s.get(models.Session, session_id, options=[
            selectinload(models.Session.holds).selectinload(models.Hold.depths),
            selectinload(models.Session.holds).selectinload(models.Hold.cues),
            selectinload(models.Session.pain_events)])
        if row is None or row.patient_id not in visible_patient_ids(db, user):
            raise StoreError(f"no session {session_id} you may see")
        return SessionDetail(_row(row), tuple(_hold(h) for h in row.holds),
                             tuple(PainRecordRow(p.when, p.t, p.score) for p in row.pain_events))


def session_details(db: Database, user: User, patient_id: int, start: date | None = None,
                    end: date | None = None) -> list[SessionDetail]:
    """Every session of a patient in a date range with its holds, oldest first (reports, trends)."""
    return [get_session(db, user, r.id) for r in reversed(sessions_for(db, user, patient_id, start, end))]


def trends(db: Database, user: User, patient_id: int, start: date | None = None, end: date | None = None) -> Trends:
    """Per stretch and side over sessions: held vs target, depth vs (prescribed) target; right-left; pain."""
    details = session_details(db, user, patient_id, start, end)
    plan = active_prescription(db, user, patient_id)
    prescribed = {}
    if plan is not None:
        for step in plan.prescription.steps:
            for check_id, target in step.targets.items():
                prescribed[step.stretch_id, check_id] = target
    points: dict[tuple[str, str | None], list[TrendPoint]] = defaultdict(list)
    differences = []
    for detail in details:
        by_slot: dict[tuple[str, str | None], list[HoldRow]] = defaultdict(list)
        for hold in detail.holds:
            by_slot[hold.stretch, hold.side].append(hold)
        for (stretch, side), holds in by_slot.items():
            points[stretch, side].append(_point(detail.session, stretch, holds, prescribed))
        for stretch in {s for s, side in by_slot if side is not None}:
            right, left = by_slot.get((stretch, "right")), by_slot.get((stretch, "left"))
            if right and left:
                differences.append(SideDifference(
                    detail.session.id, detail.session.started, stretch,
                    round(max(h.held_s for h in right) - max(h.held_s for h in left), 2),
                    _depth_differences(right, left)))
    pain = tuple(PainPoint(d.session.id, d.session.started, d.session.pain_before, d.session.pain_after)
                 for d in details)
    trend_list = tuple(Trend(stretch, side, tuple(found)) for (stretch, side), found in
                       sorted(points.items(), key=lambda item: (item[0][0], item[0][1] or "")))
    return Trends(trend_list, tuple(differences), pain)


def _point(session: SessionRow, stretch: str, holds: list[HoldRow], prescribed: dict) -> TrendPoint:  # type: ignore[type-arg]
    medians: dict[str, list[float]] = defaultdict(list)
    bests: dict[str, list[float]] = defaultdict(list)
    info: dict[str, DepthRow] = {}
    for hold in holds:
        for depth in hold.depths:
            info.setdefault(depth.check_id, depth)
            if depth.median is not None and depth.best is not None:
                medians[depth.check_id].append(depth.median)
                bests[depth.check_id].append(depth.best)
    depths = []
    for check_id, depth in info.items():
        target = prescribed.get((stretch, check_id))
        low, high = (target.min, target.max) if target is not None else (depth.target_min, depth.target_max)
        best = None
        if bests[check_id]:  # the deepest rep: furthest towards the target's open side
            best = max(bests[check_id]) if high is None else min(bests[check_id]) if low is None else \
                statistics.median(bests[check_id])
        depths.append(DepthPoint(check_id, depth.unit,
                                 round(statistics.median(medians[check_id]), 3) if medians[check_id] else None,
                                 best, low, high, target is not None))
    return TrendPoint(session.id, session.started, max(h.held_s for h in holds), holds[0].target_s, len(holds),
                      sum(1 for h in holds if h.completed), tuple(depths))


def _depth_differences(right: list[HoldRow], left: list[HoldRow]) -> dict[str, float]:
    def medians(holds: list[HoldRow]) -> dict[str, float]:
        values: dict[str, list[float]] = defaultdict(list)
        for hold in holds:
            for depth in hold.depths:
                if depth.median is not None:
                    values[depth.check_id].append(depth.median)
        return {k: statistics.median(v) for k, v in values.items()}

    r, l = medians(right), medians(left)
    return {k: round(r[k] - l[k], 3) for k in r if k in l}
