"""The database tables (SQLAlchemy 2 typed ORM models).

Two kinds of rows. **Kept** rows are entered by people and are not in any log:
patients, therapists, assignments, prescriptions, `log_owners` (which patient a
log belongs to) and `entered_pain` (pain scores typed in after a session).
**Derived** rows are computed from session logs and can be dropped and rebuilt
from them at any time (`coach db rebuild`): sessions, holds, depths, cues and the
pain records a log holds. Times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


# ---------------------------------------------------------------- kept rows


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: A login for the patient (optional: on a single laptop there are no accounts).
    username: Mapped[Optional[str]] = mapped_column(String(100), unique=True)
    password_hash: Mapped[Optional[str]] = mapped_column(String(200))
    #: Single sign-on (OpenID Connect): the clinic's identity provider vouches for this e-mail
    #: (stored lower-case) or subject; set by the clinic's admin, never by a login.
    email: Mapped[Optional[str]] = mapped_column(String(320), unique=True)
    oidc_subject: Mapped[Optional[str]] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Therapist(Base):
    __tablename__ = "therapists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    #: Argon2id hash (argon2-cffi's encoded form, parameters included); None: single sign-on only.
    password_hash: Mapped[Optional[str]] = mapped_column(String(200))
    email: Mapped[Optional[str]] = mapped_column(String(320), unique=True)
    oidc_subject: Mapped[Optional[str]] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Assignment(Base):
    """A therapist may see this patient's data."""

    __tablename__ = "assignments"

    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)


class LogOwner(Base):
    """Whose log this is, by the log's content key: kept, so a rebuild knows each session's patient."""

    __tablename__ = "log_owners"

    log_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    log_path: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class EnteredPain(Base):
    """A pain score typed in for a session whose log holds none (kept across rebuilds)."""

    __tablename__ = "entered_pain"

    log_key: Mapped[str] = mapped_column(ForeignKey("log_owners.log_key", ondelete="CASCADE"), primary_key=True)
    when: Mapped[str] = mapped_column(String(10), primary_key=True)  # before | after
    score: Mapped[int] = mapped_column(Integer)
    entered_at: Mapped[datetime] = mapped_column(DateTime)


class Prescription(Base):
    __tablename__ = "prescriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    toml_text: Mapped[str] = mapped_column(Text)
    #: The validated plan (`coach.store.prescriptions.Plan` as JSON).
    parsed: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("therapists.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# ---------------------------------------------------------------- derived rows


class Session(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_key: Mapped[str] = mapped_column(ForeignKey("log_owners.log_key", ondelete="CASCADE"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10))  # live | video
    video_file: Mapped[Optional[str]] = mapped_column(Text)
    started: Mapped[datetime] = mapped_column(DateTime, index=True)
    log_path: Mapped[str] = mapped_column(Text)
    routine: Mapped[Optional[str]] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(Text)
    app_version: Mapped[str] = mapped_column(String(200))
    duration_s: Mapped[float] = mapped_column(Float)
    stopped_early: Mapped[Optional[bool]] = mapped_column(Boolean)
    pain_before: Mapped[Optional[int]] = mapped_column(Integer)
    pain_after: Mapped[Optional[int]] = mapped_column(Integer)
    #: e.g. ["pain_rose"]: what a therapist should look at.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)

    holds: Mapped[list[Hold]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                             order_by="Hold.position", passive_deletes=True)
    pain_events: Mapped[list[PainEvent]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                        order_by="PainEvent.position")


class Hold(Base):
    __tablename__ = "holds"
    __table_args__ = (UniqueConstraint("session_id", "stretch", "side", "rep"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    stretch: Mapped[str] = mapped_column(String(200))
    side: Mapped[Optional[str]] = mapped_column(String(10))
    rep: Mapped[int] = mapped_column(Integer)
    held_s: Mapped[float] = mapped_column(Float)
    target_s: Mapped[float] = mapped_column(Float)
    completed: Mapped[bool] = mapped_column(Boolean)
    longest_hold_s: Mapped[float] = mapped_column(Float)
    time_to_first_correct_s: Mapped[Optional[float]] = mapped_column(Float)
    skipped: Mapped[bool] = mapped_column(Boolean)

    session: Mapped[Session] = relationship(back_populates="holds")
    depths: Mapped[list[Depth]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                               order_by="Depth.position")
    cues: Mapped[list[Cue]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                           order_by="Cue.rank")


class Depth(Base):
    """One check's measurement over the hold's correct frames."""

    __tablename__ = "depths"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("holds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    check_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200))
    target_min: Mapped[Optional[float]] = mapped_column(Float)
    target_max: Mapped[Optional[float]] = mapped_column(Float)
    frames: Mapped[int] = mapped_column(Integer)
    median: Mapped[Optional[float]] = mapped_column(Float)
    best: Mapped[Optional[float]] = mapped_column(Float)


class Cue(Base):
    __tablename__ = "cues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("holds.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    cue: Mapped[str] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Float)


class PainEvent(Base):
    """A pain record of the log (before, during, after)."""

    __tablename__ = "pain_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    when: Mapped[str] = mapped_column(String(10))
    t: Mapped[Optional[float]] = mapped_column(Float)
    score: Mapped[Optional[int]] = mapped_column(Integer)


DERIVED = (PainEvent, Cue, Depth, Hold, Session)  # deletion order (children first)
