"""The Live page's patient login, run headless with AppTest on a temporary SQLite database.

With no accounts the page opens straight to the coach and creates no database; with
accounts it offers a small login form, greets a logged-in patient by name and tells a
logged-in therapist that sessions here are saved only for patients.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach import settings
from coach.store import accounts
from coach.store.database import open_database
from coach.ui import auth

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "clinic.db"
    monkeypatch.setenv(settings.DATABASE_URL_ENV, f"sqlite:///{path}")
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "coach-data"))
    monkeypatch.setattr(auth, "THROTTLE", auth.LoginThrottle())
    return path


@pytest.fixture
def clinic(db_path: Path) -> None:
    db = open_database(f"sqlite:///{db_path}")
    try:
        ann = accounts.add_patient(db, "Ann Example", "ann", PASSWORD)
        lee = accounts.add_therapist(db, "drlee", PASSWORD)
        accounts.assign(db, lee.id, ann.id)
    finally:
        db.close()


def live_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts).replace("\\", "")


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(password)
    next(b for b in at.button if b.label == "Log in").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_without_a_database_the_coach_opens_and_nothing_is_created(db_path: Path) -> None:
    at = live_page()
    assert "Live coach" in texts(at)
    assert not [t for t in at.text_input if t.key and t.key.startswith("auth_")]
    assert not db_path.exists()


def test_a_patient_logs_in_on_the_live_page(clinic: None) -> None:
    at = live_page()
    assert at.text_input(key="auth_username") is not None  # the small form, folded
    log_in(at, "ann", "not the password")
    assert "Wrong username or password." in [e.value for e in at.error]
    log_in(at, "ann", PASSWORD)
    assert "Logged in as Ann Example." in texts(at)
    assert "therapist's account" not in texts(at)
    next(b for b in at.button if b.label == "Log out").click()
    at.run()
    assert "Logged in as" not in texts(at)


def test_a_therapist_is_told_the_live_page_saves_only_for_patients(clinic: None) -> None:
    at = log_in(live_page(), "drlee", PASSWORD)
    assert "Logged in as drlee." in texts(at)
    assert "drlee is a therapist's account: sessions on this page are saved only for a logged-in patient" \
        in texts(at)


def test_a_patient_made_with_the_command_line_logs_in_on_the_live_page(
        db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    from coach.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["patient", "add", "Cara Example", "--username", "cara"]) == 0
    assert capsys.readouterr().out == "patient 1: Cara Example\n"
    at = log_in(live_page(), "cara", PASSWORD)
    assert "Logged in as Cara Example." in texts(at)


def test_a_reloaded_page_gives_the_live_coach_back_only_to_its_patient(clinic: None) -> None:
    """Issue 14: the page's ``?live=`` token names the patient's coach; after a reload (a new browser
    session, logged out) nobody and no other account gets it, the same patient does once logged in."""
    first = log_in(live_page(), "ann", PASSWORD)
    coach = first.session_state["live_coach"]
    token = first.query_params["live"]
    token = token[0] if isinstance(token, list) else token
    assert token and first.session_state["live_token"] == token

    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.query_params["live"] = token
    reloaded.run()
    assert not reloaded.exception, [e.message for e in reloaded.exception]
    assert reloaded.session_state["live_coach"] is not coach  # logged out by the reload: not handed over
    log_in(reloaded, "drlee", PASSWORD)
    assert reloaded.session_state["live_coach"] is not coach  # another account: refused
    next(b for b in reloaded.button if b.label == "Log out").click()
    reloaded.run()
    log_in(reloaded, "ann", PASSWORD)
    assert reloaded.session_state["live_coach"] is coach  # the same patient: the same coach
    assert reloaded.session_state["live_token"] == token
