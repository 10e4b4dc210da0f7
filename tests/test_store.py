"""The therapist side's store on SQLite and on a real PostgreSQL server: import, rebuild, access,
adherence, pain, prescriptions and reports, from real session logs written by the real engine."""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pypdf import PdfReader
from sqlalchemy import func, select

from coach.session_log import SessionLogError, load_session_log
from coach.store import models
from coach.store.accounts import LOCAL_ADMIN, User, add_patient, add_therapist, assign, login, verify_password
from coach.store.database import Database, StoreError, open_database
from coach.store.importer import import_log, rebuild, record_pain
from coach.store.prescriptions import (
    active_prescription,
    load_prescription,
    prescribed_stretches,
    prescription_routine,
    save_prescription,
)
from coach.store.queries import adherence, get_session, patients_for, sessions_for, trends
from coach.store.reports import CSV_COLUMNS, write_csv, write_pdf
from coach.routine import RoutineRunner
from coach.stretches import PoseFileError

from store_db import db, db_url, pg_server  # noqa: F401  (fixtures)
from store_logs import LIBRARY, make_log

BOTH_SIDES = (("seated_figure_four", ("right", "left")),)
DOG = (("downward_dog", (None,)),)
AS_OF = datetime(2026, 11, 30, 12, 0)
# Known set for adherence, as of AS_OF: the last 30 days are 11-01 .. 11-30, the last 4 weeks
# start 11-02 12:00. Active days: 11-30, 11-29 (twice), 11-20, 11-03 -> 4; sessions in 4 weeks: 5.
ANN_STARTS = [datetime(2026, 10, 31, 9), datetime(2026, 11, 3, 9), datetime(2026, 11, 20, 18),
              datetime(2026, 11, 29, 8), datetime(2026, 11, 29, 19), datetime(2026, 11, 30, 8),
              datetime(2026, 12, 1, 9)]  # the last is after AS_OF


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real logs: Ann's seven sessions (pain 3 -> 3, 3 -> 5 alternating), Ben's two, one without pain."""
    folder = tmp_path_factory.mktemp("logs")
    made = {}
    for i, started in enumerate(ANN_STARTS):
        steps = BOTH_SIDES + DOG if i % 2 == 0 else BOTH_SIDES
        made[f"ann{i}"] = make_log(folder / f"ann{i}.jsonl", started, steps, pain=(3, 5 if i % 2 else 3))
    for i in range(2):
        made[f"ben{i}"] = make_log(folder / f"ben{i}.jsonl", datetime(2026, 11, 10 + i, 10), DOG, pain=(1, 1))
    made["nopain"] = make_log(folder / "nopain.jsonl", datetime(2026, 11, 25, 10), DOG)
    made["stopped"] = make_log(folder / "stopped.jsonl", datetime(2026, 11, 26, 10), BOTH_SIDES, stop_after_s=1.5)
    return made


def _counts(database: Database) -> dict[str, int]:
    with database.session() as s:
        return {table.__tablename__: s.scalar(select(func.count()).select_from(table))  # type: ignore[misc]
                for table in (*models.DERIVED, models.LogOwner, models.Patient)}


def _derived_rows(database: Database) -> list[tuple[object, ...]]:
    """Every derived row's content (ids left out: they are only handles)."""
    rows = []
    with database.session() as s:
        for session in s.scalars(select(models.Session).order_by(models.Session.log_key)):
            rows.append((session.log_key, session.patient_id, session.source, session.started, session.routine,
                         session.duration_s, session.stopped_early, session.pain_before, session.pain_after,
                         tuple(session.flags)))
            for hold in session.holds:
                rows.append((hold.position, hold.stretch, hold.side, hold.rep, hold.held_s, hold.target_s,
                             hold.completed, hold.skipped, hold.longest_hold_s, hold.time_to_first_correct_s))
                rows += [(d.check_id, d.frames, d.median, d.best, d.target_min, d.target_max) for d in hold.depths]
                rows += [(c.rank, c.cue, c.seconds) for c in hold.cues]
            rows += [(p.when, p.t, p.score) for p in session.pain_events]
    return rows


def test_a_log_imported_twice_is_one_session(db: Database, logs: dict[str, Path], tmp_path: Path) -> None:
    ann = add_patient(db, "Ann")
    first = import_log(db, logs["ann0"], ann.id)
    again = import_log(db, logs["ann0"], ann.id)
    copy = tmp_path / "sent-by-email.jsonl"  # the same log from another folder, with an editor's newline
    copy.write_bytes(logs["ann0"].read_bytes() + b"\n")
    from_copy = import_log(db, copy, ann.id)
    assert first.created and not again.created and not from_copy.created
    assert first.session_id == again.session_id == from_copy.session_id
    assert _counts(db)["sessions"] == 1
    ben = add_patient(db, "Ben")
    with pytest.raises(StoreError, match="imported for patient"):
        import_log(db, logs["ann0"], ben.id)


def test_imported_holds_are_what_the_log_says(db: Database, logs: dict[str, Path]) -> None:
    ann = add_patient(db, "Ann")
    detail = get_session(db, LOCAL_ADMIN, import_log(db, logs["ann0"], ann.id).session_id)
    log = load_session_log(logs["ann0"])
    assert log.summary is not None
    assert [(h.stretch, h.side, h.completed, h.skipped) for h in detail.holds] == \
        [("seated_figure_four", "right", True, False), ("seated_figure_four", "left", True, False),
         ("downward_dog", None, True, False)]
    for hold, logged in zip(detail.holds, log.summary["holds"]):
        assert hold.held_s == logged["held_s"] == pytest.approx(hold.target_s)
        for depth in hold.depths:  # median over the frames judged correct, as the log's summary has it
            assert depth.median == pytest.approx(logged["measurements"][depth.check_id]["while_correct"]["median"],
                                                 abs=0.006)
            assert depth.frames == logged["measurements"][depth.check_id]["while_correct"]["n"]
    assert (detail.session.pain_before, detail.session.pain_after, detail.session.source) == (3, 3, "live")
    assert [(p.when, p.score) for p in detail.pain] == [("before", 3), ("after", 3)]
    stopped = get_session(db, LOCAL_ADMIN, import_log(db, logs["stopped"], ann.id).session_id)
    assert "stopped_early" in stopped.session.flags
    assert [(h.side, h.completed, h.skipped) for h in stopped.holds] == [("right", False, True)]


@pytest.mark.parametrize("damage", ["edited", "truncated", "cut mid-line"])
def test_a_damaged_log_is_refused_naming_the_line_and_nothing_is_left(
        db: Database, logs: dict[str, Path], tmp_path: Path, damage: str) -> None:
    lines = logs["ann1"].read_bytes().splitlines(keepends=True)
    if damage == "edited":  # a frame's held seconds changed by hand
        lines[5] = lines[5].replace(b'"held":', b'"held":1', 1)
        expected = "line 6: checksum does not match"
    elif damage == "truncated":
        lines = lines[:-1]
        expected = "truncated"
    else:
        lines = lines[:-3] + [lines[-3][:40]]
        expected = f"line {len(lines)}: truncated"
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(lines))
    ann = add_patient(db, "Ann")
    before = _counts(db)
    with pytest.raises(SessionLogError, match=expected):
        import_log(db, bad, ann.id)
    with pytest.raises(SessionLogError):
        import_log(db, bad, create_patient="Someone new")
    assert _counts(db) == before  # no session, no owner, no new patient


def test_rebuild_gives_the_same_rows_and_keeps_entered_pain(db: Database, logs: dict[str, Path],
                                                            tmp_path: Path) -> None:
    ann, ben = add_patient(db, "Ann"), add_patient(db, "Ben")
    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("ann0", "ann1", "ben0", "nopain", "stopped"):
        shutil.copy(logs[name], folder)
        import_log(db, folder / logs[name].name, ben.id if name == "ben0" else ann.id)
    no_pain = next(r.id for r in sessions_for(db, LOCAL_ADMIN, ann.id) if r.pain_before is None
                   and r.holds_completed)
    record_pain(db, no_pain, "before", 2)
    record_pain(db, no_pain, "after", 6)
    shutil.copy(logs["ben1"], folder)  # a log nobody imported: no patient is known for it
    (folder / "broken.jsonl").write_text("not a log\n")
    before = _derived_rows(db)
    result = rebuild(db, folder)
    assert _derived_rows(db) == before
    assert (result.imported, result.missing) == (5, 0)
    assert result.unowned == [str(folder / "ben1.jsonl")]
    assert len(result.refused) == 1 and "broken.jsonl" in result.refused[0]
    assert any(r == (*r[:7], 2, 6, ("pain_rose",)) for r in before if len(r) == 10 and r[0] != 0)
    (folder / "ann1.jsonl").unlink()
    assert rebuild(db, folder).missing == 1
    assert _counts(db)["sessions"] == 4 and _counts(db)["log_owners"] == 5


def test_adherence_on_a_known_set(db: Database, logs: dict[str, Path]) -> None:
    ann, ben = add_patient(db, "Ann"), add_patient(db, "Ben")
    for i in range(len(ANN_STARTS)):
        import_log(db, logs[f"ann{i}"], ann.id)
    kept = adherence(db, LOCAL_ADMIN, ann.id, as_of=AS_OF)
    assert (kept.days_active, kept.sessions_per_week, kept.last_session) == (4, 1.25, datetime(2026, 11, 30, 8))
    rows = patients_for(db, LOCAL_ADMIN, as_of=AS_OF)
    assert [(r.name, r.adherence.days_active, r.pain_flags) for r in rows] == [("Ann", 4, 3), ("Ben", 0, 0)]
    assert rows[1].adherence.last_session is None


def test_pain_rise_is_flagged_and_entered_pain_fills_in(db: Database, logs: dict[str, Path]) -> None:
    ann = add_patient(db, "Ann")
    rose = import_log(db, logs["ann1"], ann.id).session_id  # 3 -> 5
    same = import_log(db, logs["ann0"], ann.id).session_id  # 3 -> 3
    none = import_log(db, logs["nopain"], ann.id).session_id
    assert get_session(db, LOCAL_ADMIN, rose).session.pain_rose
    assert not get_session(db, LOCAL_ADMIN, same).session.pain_rose
    record_pain(db, none, "before", 4)
    assert not get_session(db, LOCAL_ADMIN, none).session.pain_rose
    record_pain(db, none, "after", 6)
    row = get_session(db, LOCAL_ADMIN, none).session
    assert (row.pain_before, row.pain_after, row.pain_rose) == (4, 6, True)
    with pytest.raises(StoreError, match="its log holds a pain score before"):
        record_pain(db, rose, "before", 1)
    with pytest.raises(StoreError, match="0 to 10"):
        record_pain(db, none, "after", 11)
    points = trends(db, LOCAL_ADMIN, ann.id).pain
    assert [(p.before, p.after, p.rose) for p in points] == [(3, 3, False), (3, 5, True), (4, 6, True)]


def test_access_patients_see_their_own_therapists_their_assigned(db: Database, logs: dict[str, Path]) -> None:
    ann, ben = add_patient(db, "Ann"), add_patient(db, "Ben")
    ann_session = import_log(db, logs["ann0"], ann.id).session_id
    ben_session = import_log(db, logs["ben0"], ben.id).session_id
    doctor = add_therapist(db, "dr_ann", "correct horse battery")
    other = add_therapist(db, "dr_other", "another password")
    assign(db, doctor.id, ann.id)
    as_doctor, as_other = User("therapist", doctor.id), User("therapist", other.id)
    as_ann, as_ben = User("patient", ann.id), User("patient", ben.id)

    assert [r.id for r in sessions_for(db, as_doctor)] == [ann_session]
    assert [r.id for r in sessions_for(db, as_ann)] == [ann_session]
    assert [r.id for r in sessions_for(db, as_ben)] == [ben_session]
    assert sessions_for(db, as_other) == [] and patients_for(db, as_other) == []
    assert get_session(db, as_doctor, ann_session).session.patient_id == ann.id
    for user, session_id in ((as_doctor, ben_session), (as_ann, ben_session), (as_ben, ann_session),
                             (as_other, ann_session)):
        with pytest.raises(StoreError, match=f"no session {session_id} you may see"):
            get_session(db, user, session_id)
    with pytest.raises(StoreError, match="no session 999999 you may see"):  # the same answer as a stranger's
        get_session(db, as_doctor, 999999)
    for call in (lambda: sessions_for(db, as_doctor, ben.id), lambda: trends(db, as_ann, ben.id),
                 lambda: adherence(db, as_doctor, ben.id)):
        with pytest.raises(StoreError, match=f"no patient {ben.id} you may see"):
            call()


def test_passwords_are_argon2_hashes(db: Database) -> None:
    doctor = add_therapist(db, "dr_a", "correct horse battery")
    with db.session() as s:
        stored = s.get(models.Therapist, doctor.id)
        assert stored is not None and stored.password_hash.startswith("$argon2id$")
        assert "correct horse" not in stored.password_hash
        assert verify_password(stored.password_hash, "correct horse battery")
    assert not verify_password(stored.password_hash, "wrong")
    assert login(db, "dr_a", "correct horse battery") == User("therapist", doctor.id)
    assert login(db, "dr_a", "wrong") is None and login(db, "nobody", "x") is None
    ann = add_patient(db, "Ann", "ann", "ann's password")
    assert login(db, "ann", "ann's password") == User("patient", ann.id)
    with pytest.raises(StoreError, match="taken"):
        add_therapist(db, "dr_a", "yet another one")
    with pytest.raises(StoreError, match="at least 8"):
        add_therapist(db, "dr_b", "short")


PLAN = """note = "Gently; stop if tingling starts."
countdown_seconds = 3

[[steps]]
stretch = "seated_figure_four"
sides = ["left"]
hold_seconds = 20
reps = 2
rest_seconds = 5
[steps.targets.knee_pressed_down]
max = 0.0

[[steps]]
stretch = "downward_dog"
"""


def test_prescriptions_are_validated_stored_and_run(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "ann-plan.toml"
    path.write_text(PLAN)
    plan = load_prescription(path, LIBRARY)
    routine = prescription_routine(plan, LIBRARY)
    dog = LIBRARY.stretches["downward_dog"]  # a step without values takes the stretch file's
    assert [(s.stretch_id, s.sides, s.reps, s.hold_seconds, s.rest_seconds) for s in routine.steps] == \
        [("seated_figure_four", ("left",), 2, 20.0, 5.0),
         ("downward_dog", (None,), dog.reps, dog.hold_seconds, dog.rest_seconds)]
    stretches = prescribed_stretches(plan, LIBRARY)
    knee = next(c for c in stretches["seated_figure_four"].checks if c.id == "knee_pressed_down")
    assert (knee.target.min, knee.target.max) == (None, 0.0)
    RoutineRunner(routine, stretches)  # the live coach can run it

    for change, message in [
        (("max = 0.0", "max = 20.0"), "step 1 'seated_figure_four': targets.knee_pressed_down: max = 20 is outside "
                                      "the possible range -10..10"),
        (("knee_pressed_down", "knee_down"), "step 1 'seated_figure_four': targets.knee_down: 'seated_figure_four' "
                                             "has no check 'knee_down'"),
        (("reps = 2", "reps = 0"), "step 1 'seated_figure_four': 'reps' must be >= 1, got 0"),
        (('stretch = "downward_dog"', 'stretch = "cobra"'), "step 2 'cobra': 'stretch' names an unknown stretch 'cobra'"),
        (("note =", "notes ="), "unknown field 'notes'"),
    ]:
        bad = tmp_path / "bad-plan.toml"
        bad.write_text(PLAN.replace(*change))
        with pytest.raises(PoseFileError) as error:
            load_prescription(bad, LIBRARY)
        assert str(error.value).startswith(f"{bad}: ") and message in str(error.value), str(error.value)

    ann, ben = add_patient(db, "Ann"), add_patient(db, "Ben")
    doctor = add_therapist(db, "dr_a", "correct horse battery")
    assign(db, doctor.id, ann.id)
    as_doctor = User("therapist", doctor.id)
    first = save_prescription(db, as_doctor, ann.id, PLAN, LIBRARY)
    second = save_prescription(db, as_doctor, ann.id, PLAN.replace("reps = 2", "reps = 3"), LIBRARY)
    current = active_prescription(db, User("patient", ann.id), ann.id)
    assert current is not None and current.id == second.id != first.id and current.created_by == doctor.id
    assert current.prescription.steps[0].reps == 3 and current.toml_text.count("reps = 3") == 1
    assert current.prescription.note == "Gently; stop if tingling starts."
    for user, patient in ((as_doctor, ben.id), (User("patient", ann.id), ann.id)):
        with pytest.raises(StoreError, match="may not prescribe"):
            save_prescription(db, user, patient, PLAN, LIBRARY)
    with pytest.raises(PoseFileError, match="web-plan.toml: step 1"):
        save_prescription(db, as_doctor, ann.id, PLAN.replace("reps = 2", "reps = 99"), LIBRARY, "web-plan.toml")


def test_trends_per_stretch_and_side_against_the_prescribed_target(db: Database, logs: dict[str, Path]) -> None:
    ann = add_patient(db, "Ann")
    for i in range(4):
        import_log(db, logs[f"ann{i}"], ann.id)
    save_prescription(db, LOCAL_ADMIN, ann.id, PLAN, LIBRARY)
    found = trends(db, LOCAL_ADMIN, ann.id, start=date(2026, 11, 1))
    assert [(t.stretch, t.side, len(t.points)) for t in found.by_stretch] == \
        [("downward_dog", None, 1), ("seated_figure_four", "left", 3), ("seated_figure_four", "right", 3)]
    left = found.by_stretch[1].points[-1]
    assert (left.held_s, left.target_s, left.completed) == (2.0, 2.0, 1)
    knee = next(d for d in left.depths if d.check_id == "knee_pressed_down")
    assert knee.prescribed and (knee.target_min, knee.target_max) == (None, 0.0) and knee.median is not None
    dog = next(d for d in found.by_stretch[0].points[0].depths if d.check_id == "knees_straight")
    assert not dog.prescribed and dog.target_min == LIBRARY.stretches["downward_dog"].checks[3].target.min
    assert [d.stretch for d in found.side_differences] == ["seated_figure_four"] * 3
    assert all(d.held_s == 0.0 for d in found.side_differences)  # the same synthetic pose on both sides


def test_csv_and_pdf_reports_hold_the_patients_holds(db: Database, logs: dict[str, Path], tmp_path: Path) -> None:
    ann, ben = add_patient(db, "Ann Example"), add_patient(db, "Ben")
    for i in range(4):
        import_log(db, logs[f"ann{i}"], ann.id)
    import_log(db, logs["ben0"], ben.id)
    rows = write_csv(db, LOCAL_ADMIN, ann.id, tmp_path / "ann.csv", start=date(2026, 11, 1), end=date(2026, 11, 29))
    with (tmp_path / "ann.csv").open(newline="") as stream:
        table = list(csv.DictReader(stream))
    assert list(table[0]) == list(CSV_COLUMNS) and rows == len(table) == 2 + 3 + 2  # 11-03, 11-20, 11-29 (10-31 is outside)
    assert {r["patient_id"] for r in table} == {str(ann.id)}
    assert {(r["stretch"], r["side"], r["held_s"], r["target_s"], r["completed"]) for r in table} == {
        ("seated_figure_four", "right", "2", "2", "True"), ("seated_figure_four", "left", "2", "2", "True"),
        ("downward_dog", "", "2", "2", "True")}
    assert oct(os.stat(tmp_path / "ann.csv").st_mode & 0o777) == "0o600"

    pages = write_pdf(db, LOCAL_ADMIN, ann.id, tmp_path / "ann.pdf", as_of=AS_OF)
    reader = PdfReader(tmp_path / "ann.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == pages >= 2
    assert "Ann Example" in text and "Not a diagnosis" in text and "Ben" not in text
    assert text.count("seated_figure_four") >= 8 and "2.0 / 2" in text
    assert "Pain rose by 2 points or more" in text
    assert len(reader.pages[1].images) + len(reader.pages[0].images) >= 1  # the charts


def test_migrations_create_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    assert differences == []


def test_the_default_database_is_a_private_sqlite_file_in_wal_mode(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRETCH_COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("STRETCH_COACH_DATABASE_URL", raising=False)
    database = open_database()
    add_patient(database, "Ann")
    database.close()
    path = tmp_path / "data" / "stretch_coach.db"
    assert oct(os.stat(path.parent).st_mode & 0o777) == "0o700"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    open_database().close()  # opening again: nothing to migrate, data kept
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM patients").fetchall() == [("Ann",)]


def test_the_migrations_ship_with_the_package() -> None:
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["coach.store"]
    folder = root / "coach" / "store"
    files = [p.relative_to(folder).as_posix() for p in (folder / "migrations").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    assert "migrations/env.py" in files and any(f.startswith("migrations/versions/") for f in files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)] == []


def test_pain_records_in_the_session_log(tmp_path: Path, logs: dict[str, Path]) -> None:
    log = load_session_log(logs["ann1"])
    assert [(p["when"], p["score"]) for p in log.pain] == [("before", 3), ("after", 5)]
    assert load_session_log(logs["nopain"]).pain == []
    from coach.session_log import SessionLogWriter, header_record

    with pytest.raises(ValueError, match="0 to 10"):
        SessionLogWriter(tmp_path / "a.jsonl", header_record([], "live", "full")).pain("after", 11)
    with SessionLogWriter(tmp_path / "b.jsonl", header_record([], "live", "full")) as writer:
        writer.pain("during", None, t=12.5)  # "It hurts" without a score
        writer._append({"type": "pain", "t": None, "when": "after", "score": 11})  # chain-valid, out of range
    with pytest.raises(SessionLogError, match=r"line 3 \(pain\): field score"):
        load_session_log(tmp_path / "b.jsonl")
