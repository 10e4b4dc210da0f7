"""Patients, therapists, who is assigned to whom, and passwords (Argon2id hashes).

A `User` is who is asking: a patient sees only their own data, a therapist only the
patients assigned to them, `LOCAL_ADMIN` (the command line) everyone (`coach.store.queries` applies it). Passwords are never
stored, only argon2-cffi's encoded Argon2id hash (parameters and salt included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.store import models
from coach.store.database import Database, StoreError

_HASHER = PasswordHasher()
MIN_PASSWORD = 8
MAX_NAME = 200


@dataclass(frozen=True)
class User:
    """Who is asking: a patient (their own data) or a therapist (their assigned patients)."""

    role: Literal["patient", "therapist", "admin"]
    id: int


#: Whoever runs the command line where the database is (a clinic's scripts): sees every patient.
LOCAL_ADMIN = User("admin", 0)


@dataclass(frozen=True)
class PatientInfo:
    id: int
    name: str
    username: str | None


@dataclass(frozen=True)
class TherapistInfo:
    id: int
    username: str


def utcnow() -> datetime:
    """Naive UTC, as every time in the store."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise StoreError(f"the password must have at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches the stored hash (never raises for a wrong one)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _name(text: str, what: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_NAME or any(ord(c) < 32 for c in text):
        raise StoreError(f"{what} must be 1-{MAX_NAME} characters with no control characters")
    return text


def patient_name(name: str) -> str:
    return _name(name, "a patient's name")


def add_patient(db: Database, name: str, username: str | None = None, password: str | None = None,
                email: str | None = None) -> PatientInfo:
    name = patient_name(name)
    if (username is None) != (password is None):
        raise StoreError("a patient login needs both a username and a password")
    row = models.Patient(name=name, username=username and _name(username, "a username"),
                         password_hash=password and hash_password(password), created_at=utcnow())
    with db.transaction() as s:
        _check_free(s, email=email and normal_email(email))
        row.email = email and normal_email(email)
        s.add(row)
        _flush_or_taken(s, f"the username {username!r} is taken")
    return PatientInfo(row.id, row.name, row.username)


def add_therapist(db: Database, username: str, password: str | None, email: str | None = None) -> TherapistInfo:
    """A therapist; ``password=None`` makes a single-sign-on-only account (it needs an e-mail or subject link)."""
    row = models.Therapist(username=_name(username, "a username"),
                           password_hash=None if password is None else hash_password(password),
                           created_at=utcnow())
    with db.transaction() as s:
        _check_free(s, email=email and normal_email(email))
        row.email = email and normal_email(email)
        s.add(row)
        _flush_or_taken(s, f"the username {username!r} is taken")
    return TherapistInfo(row.id, row.username)


# ---------------------------------------------------------------- single sign-on (OpenID Connect)


def normal_email(email: str) -> str:
    """An e-mail as stored and compared: trimmed, lower-case, plausibly one address."""
    text = email.strip().lower()
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or len(text) > 320 or any(c.isspace() or ord(c) < 32 for c in text):
        raise StoreError(f"not an e-mail address: {email!r}")
    return text


def _subject(sub: str) -> str:
    text = sub.strip()
    if not text or len(text) > 255 or any(ord(c) < 32 for c in text):
        raise StoreError("an OpenID Connect subject must be 1-255 characters with no control characters")
    return text


def _flush_or_taken(s: Session, message: str) -> None:
    try:
        s.flush()
    except IntegrityError:
        raise StoreError(message) from None


def _check_free(s: Session, *, email: str | None = None, sub: str | None = None,
                keep: models.Patient | models.Therapist | None = None) -> None:
    """Refuse an e-mail or subject already linked to another account (patient or therapist):
    a login must lead to exactly one account."""
    for table in (models.Therapist, models.Patient):
        for column, value, what in ((table.email, email, "e-mail"), (table.oidc_subject, sub, "subject")):
            if value is None:
                continue
            other = s.scalar(select(table).where(column == value))
            if other is not None and other is not keep:
                raise StoreError(f"the {what} {value!r} is already linked to {_describe(other)}")


def _describe(row: models.Patient | models.Therapist) -> str:
    if isinstance(row, models.Therapist):
        return f"therapist {row.username!r}"
    return f"patient {row.id} ({row.name})"


def link_oidc(db: Database, *, therapist: str | None = None, patient: int | None = None,
              email: str | None = None, sub: str | None = None) -> str:
    """Let the clinic's identity provider log someone in as this therapist (by username) or patient (by id):
    by the e-mail it vouches for and/or its stable subject. Returns who was linked, for the admin."""
    if (therapist is None) == (patient is None):
        raise StoreError("name one account: a therapist's username or a patient's id")
    if email is None and sub is None:
        raise StoreError("give the e-mail and/or the subject the identity provider reports")
    email = email and normal_email(email)
    sub = sub and _subject(sub)
    with db.transaction() as s:
        row: models.Patient | models.Therapist | None
        if therapist is not None:
            row = s.scalar(select(models.Therapist).where(models.Therapist.username == therapist))
            if row is None:
                raise StoreError(f"no therapist {therapist!r}")
        else:
            row = s.get(models.Patient, patient)
            if row is None:
                raise StoreError(f"no patient {patient}")
        _check_free(s, email=email, sub=sub, keep=row)
        if email is not None:
            row.email = email
        if sub is not None:
            row.oidc_subject = sub
        return _describe(row)


def oidc_account(db: Database, sub: str | None, email: str | None, email_verified: bool | None = None) -> User | None:
    """The account a login through the identity provider belongs to, or None (not set up: refuse it).

    The subject is the provider's stable id for the person, so it is checked first; an e-mail
    counts only if the provider does not say it is unverified (an unverified address proves nothing)."""
    with db.session() as s:
        if sub:
            therapist = s.scalar(select(models.Therapist).where(models.Therapist.oidc_subject == sub))
            if therapist is not None:
                return User("therapist", therapist.id)
            patient = s.scalar(select(models.Patient).where(models.Patient.oidc_subject == sub))
            if patient is not None:
                return User("patient", patient.id)
        if not email or email_verified is False:
            return None
        try:
            address = normal_email(email)
        except StoreError:
            return None
        therapist = s.scalar(select(models.Therapist).where(models.Therapist.email == address))
        if therapist is not None:
            return User("therapist", therapist.id)
        patient = s.scalar(select(models.Patient).where(models.Patient.email == address))
        if patient is not None:
            return User("patient", patient.id)
    return None


def get_patient(db: Database, patient_id: int) -> PatientInfo:
    with db.session() as s:
        row = s.get(models.Patient, patient_id)
        if row is None:
            raise StoreError(f"no patient {patient_id}")
        return PatientInfo(row.id, row.name, row.username)


def find_therapist(db: Database, username: str) -> TherapistInfo:
    with db.session() as s:
        row = s.scalar(select(models.Therapist).where(models.Therapist.username == username))
        if row is None:
            raise StoreError(f"no therapist {username!r}")
        return TherapistInfo(row.id, row.username)


def assign(db: Database, therapist_id: int, patient_id: int) -> None:
    """Let a therapist see a patient's data (assigning twice is harmless)."""
    with db.transaction() as s:
        if s.get(models.Therapist, therapist_id) is None:
            raise StoreError(f"no therapist {therapist_id}")
        if s.get(models.Patient, patient_id) is None:
            raise StoreError(f"no patient {patient_id}")
        if s.get(models.Assignment, (therapist_id, patient_id)) is None:
            s.add(models.Assignment(therapist_id=therapist_id, patient_id=patient_id))


def login(db: Database, username: str, password: str) -> User | None:
    """The user with this username and password, or None (the same answer for any mistake)."""
    with db.session() as s:
        therapist = s.scalar(select(models.Therapist).where(models.Therapist.username == username))
        if therapist is not None and therapist.password_hash:
            return User("therapist", therapist.id) if verify_password(therapist.password_hash, password) else None
        if therapist is not None:  # single sign-on only: no password opens it
            verify_password(_dummy_hash(), password)
            return None
        patient = s.scalar(select(models.Patient).where(models.Patient.username == username))
        if patient is not None and patient.password_hash:
            return User("patient", patient.id) if verify_password(patient.password_hash, password) else None
    verify_password(_dummy_hash(), password)  # as slow as a real check: no telling which usernames exist
    return None


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("not a real password")


def visible_patient_ids(db: Database, user: User) -> set[int]:
    """The patients whose data `user` may see."""
    if user.role == "patient":
        return {user.id}
    with db.session() as s:
        if user.role == "admin":
            return set(s.scalars(select(models.Patient.id)))
        return set(s.scalars(select(models.Assignment.patient_id)
                             .where(models.Assignment.therapist_id == user.id)))


def may_see(db: Database, user: User, patient_id: int) -> bool:
    return patient_id in visible_patient_ids(db, user)


def has_accounts(db: Database) -> bool:
    """True once anyone can log in (a therapist, or a patient with a password or a single-sign-on link):
    then pages ask who you are."""
    with db.session() as s:
        if s.scalar(select(models.Therapist.id).limit(1)) is not None:
            return True
        patient = models.Patient
        return s.scalar(select(patient.id).where(patient.password_hash.is_not(None) | patient.email.is_not(None)
                                                 | patient.oidc_subject.is_not(None)).limit(1)) is not None


def display_name(db: Database, user: User) -> str:
    """How the pages greet `user`: a therapist's username, a patient's name."""
    with db.session() as s:
        if user.role == "therapist":
            row = s.get(models.Therapist, user.id)
            return row.username if row is not None else f"therapist {user.id}"
        if user.role == "patient":
            patient = s.get(models.Patient, user.id)
            return patient.name if patient is not None else f"patient {user.id}"
    return "administrator"
