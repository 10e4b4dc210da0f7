"""The therapist's pages, run headless with AppTest on a temporary SQLite database.

Real store, real Argon2 hashes, real session logs (the routine runner and log writer on
synthetic landmarks, `store_logs.make_log`), the real PDF (read back with pypdf).
"""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from coach import settings
from coach.store import accounts
from coach.store.database import Database, open_database
from coach.store.importer import import_log
from coach.ui import auth
from store_logs import make_log

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another long password"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fresh, process-wide login throttle on a clock the test moves."""
    fake = FakeClock()
    monkeypatch.setattr(auth, "THROTTLE", auth.LoginThrottle(clock=fake))
    return fake


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    monkeypatch.setenv(settings.DATABASE_URL_ENV, url)
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "coach-data"))
    return url


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("logs")
    now = datetime.now().replace(microsecond=0)
    return {
        "ann1": make_log(folder / "ann1.jsonl", now - timedelta(days=3), pain=(2, 3)),
        "ann2": make_log(folder / "ann2.jsonl", now - timedelta(days=1), pain=(2, 5)),
        "ben": make_log(folder / "ben.jsonl", now - timedelta(days=2), pain=(1, 1)),
    }


@pytest.fixture
def clinic(db_url: str, logs: dict[str, Path]) -> dict[str, int]:
    """dr_lee has Ann (two sessions, pain rose in the second); dr_kim has Ben (one session)."""
    db: Database = open_database(db_url)
    try:
        lee = accounts.add_therapist(db, "dr_lee", PASSWORD)
        kim = accounts.add_therapist(db, "dr_kim", OTHER_PASSWORD)
        ann = accounts.add_patient(db, "Ann Example")
        ben = accounts.add_patient(db, "Ben Other")
        accounts.assign(db, lee.id, ann.id)
        accounts.assign(db, kim.id, ben.id)
        ids = {name: import_log(db, logs[name], patient).session_id
               for name, patient in (("ann1", ann.id), ("ann2", ann.id), ("ben", ben.id))}
        return {**ids, "ann_id": ann.id, "ben_id": ben.id}
    finally:
        db.close()


def clinic_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == "clinic")
    at.run()
    return at


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "header", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts).replace("\\", "")


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(password)
    next(b for b in at.button if b.label == "Log in").click()
    at.run()
    no_exception(at)
    return at


def logged_in(at: AppTest) -> bool:
    return any(b.label == "Log out" for b in at.button)


# ---------------------------------------------------------------- no accounts


def test_without_accounts_the_page_says_how_to_create_one_and_the_coach_needs_no_login(db_url: str) -> None:
    at = clinic_page()
    no_exception(at)
    assert "coach therapist add USERNAME" in texts(at)
    assert not at.text_input  # no login form
    live = AppTest.from_file(APP, default_timeout=60)
    live.run()
    no_exception(live)
    assert not [t for t in live.text_input if t.key and t.key.startswith("auth_")]
    assert "Live coach" in texts(live)


# ---------------------------------------------------------------- login


def test_a_wrong_password_is_refused_and_the_right_one_logs_in(clinic: dict[str, int], clock: FakeClock) -> None:
    at = clinic_page()
    assert "Log in to see your patients." in texts(at)
    log_in(at, "dr_lee", "not the password")
    assert "Wrong username or password." in [e.value for e in at.error]
    assert not logged_in(at) and "Ann Example" not in texts(at)
    log_in(at, "nobody", PASSWORD)  # an unknown username gets the same answer
    assert "Wrong username or password." in [e.value for e in at.error]
    log_in(at, "dr_lee", PASSWORD)
    assert logged_in(at) and not at.error
    next(b for b in at.button if b.label == "Log out").click()
    at.run()
    assert not logged_in(at) and "You are logged out." in texts(at)


def test_repeated_failures_lock_the_username_for_a_minute(clinic: dict[str, int], clock: FakeClock) -> None:
    at = clinic_page()
    for _ in range(auth.MAX_FAILURES):
        log_in(at, "dr_lee", "guessing wrong")
    assert "Too many attempts: try again in 60 s." in at.error[0].value
    # Locked: even the right password is refused, in this browser session or any other.
    log_in(at, "dr_lee", PASSWORD)
    assert not logged_in(at) and "Try again in 60 s" in at.error[0].value
    other = clinic_page()
    log_in(other, "dr_lee", PASSWORD)
    assert not logged_in(other)
    # Other usernames are not locked.
    log_in(clinic_page(), "dr_kim", OTHER_PASSWORD)
    clock.now += auth.LOCKOUT_S + 1
    log_in(at, "dr_lee", PASSWORD)
    assert logged_in(at)


def test_a_login_expires_after_30_minutes_idle(clinic: dict[str, int], clock: FakeClock) -> None:
    at = log_in(clinic_page(), "dr_lee", PASSWORD)
    assert logged_in(at)
    at.session_state["auth_last_seen"] = time.time() - 29 * 60  # active 29 minutes ago: still in
    at.run()
    assert logged_in(at)
    at.session_state["auth_last_seen"] = time.time() - 31 * 60
    at.run()
    no_exception(at)
    assert not logged_in(at) and "Ann Example" not in texts(at)
    assert "logged out after 30 minutes without activity" in texts(at)


# ---------------------------------------------------------------- patients and sessions


def test_a_therapist_sees_only_assigned_patients_with_adherence_and_the_pain_flag(
        clinic: dict[str, int], clock: FakeClock) -> None:
    at = log_in(clinic_page(), "dr_lee", PASSWORD)
    patients = at.dataframe[0].value
    assert list(patients["patient"]) == ["Ann Example"]
    row = patients.iloc[0]
    assert row["days active (of 30)"] == 2 and row["sessions a week"] == 0.5
    assert row["pain rose"] == "⚠️ in 1 session"
    assert "Ben Other" not in texts(at) and list(at.selectbox(key="clinic_patient").options) == [
        f"Ann Example (id {clinic['ann_id']}) ⚠️ pain rose"]
    sessions = at.dataframe[1].value
    assert list(sessions["session"]) == [clinic["ann2"], clinic["ann1"]]  # newest first
    assert list(sessions["holds completed"]) == ["2 of 2", "2 of 2"]
    assert list(sessions["pain before"]) == ["2", "2"] and list(sessions["pain after"]) == ["5", "3"]
    assert list(sessions["source"]) == ["live", "live"]
    assert "⚠️ pain rose" in sessions["notes"].iloc[0]
    charts = texts(at)
    for title in ("Held correctly vs target, per stretch and side", "Pain before and after",
                  "Right minus left (seconds held)", "Depth against the target"):
        assert title in charts
    assert len(at.get("vega_lite_chart")) == 4


def test_opening_a_session_shows_the_report_and_another_therapists_patient_is_refused(
        clinic: dict[str, int], clock: FakeClock) -> None:
    at = log_in(clinic_page(), "dr_lee", PASSWORD)
    at.number_input(key="clinic_open_id").set_value(clinic["ann1"])
    next(b for b in at.button if b.label == "Open in the report").click()
    at.run()
    no_exception(at)
    shown = texts(at)
    assert "Skeleton replay" in shown and "Pain (0-10): before 2, after 3" in shown
    # Ben's session belongs to dr_kim's patient: asked for by number, it is refused like a missing one.
    at.number_input(key="clinic_open_id").set_value(clinic["ben"])
    next(b for b in at.button if b.label == "Open in the report").click()
    at.run()
    no_exception(at)
    assert [e.value for e in at.error] == [f"Cannot open it: no session {clinic['ben']} you may see."]
    assert "Skeleton replay" not in texts(at)
    at.number_input(key="clinic_open_id").set_value(9999)
    next(b for b in at.button if b.label == "Open in the report").click()
    at.run()
    assert [e.value for e in at.error] == ["Cannot open it: no session 9999 you may see."]


def test_the_csv_and_pdf_downloads_hold_the_patients_holds(clinic: dict[str, int], clock: FakeClock) -> None:
    at = log_in(clinic_page(), "dr_lee", PASSWORD)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV (one row per hold)"]
    next(b for b in at.button if b.label == "Make the PDF report").click()
    at.run()
    no_exception(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV (one row per hold)", "Download the PDF report"]
    data = at.session_state["clinic_pdf"][1]
    assert data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Ann Example" in text and "seated_figure_four" in text and "Ben Other" not in text
    assert f"session {clinic['ann2']}" in text  # the pain rise is listed


def test_has_accounts_counts_therapists_and_patients_with_a_password(db_url: str) -> None:
    db = open_database(db_url)
    try:
        assert not accounts.has_accounts(db)
        ann = accounts.add_patient(db, "Ann Example")  # a patient without a login: still the laptop case
        assert not accounts.has_accounts(db)
        assert accounts.display_name(db, accounts.User("patient", ann.id)) == "Ann Example"
        accounts.add_patient(db, "Ben Other", username="ben", password=OTHER_PASSWORD)
        assert accounts.has_accounts(db)
        lee = accounts.add_therapist(db, "dr_lee", PASSWORD)
        assert accounts.display_name(db, accounts.User("therapist", lee.id)) == "dr_lee"
    finally:
        db.close()
