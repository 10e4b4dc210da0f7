"""A logged-in patient's live session whose pain-after question was never answered still reaches
the database (the log is the source of truth), with pain-after missing, not zero.

Two ways it goes unanswered: the tab is closed (the server closes the held log in time, without
the score) and the server process is killed mid-question (the log has no summary and no end
record: a real process, killed with SIGKILL). Either way the next load of the Live page imports
it. Real engine, routine, session log and SQLite database; only the pose model is scripted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from live_doubles import ScriptedEstimator, correct_figure_four, feed
from streamlit.testing.v1 import AppTest

from coach import settings
from coach.live import LiveCoach
from coach.routine import stretch_routine
from coach.session_log import load_session_log
from coach.store import accounts, models, pending
from coach.store.database import open_database
from coach.store.importer import rebuild
from coach.stretches import Routine, RoutineStep, load_library
from coach.ui import auth

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PASSWORD = "correct horse battery"
LIBRARY = load_library()


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    monkeypatch.setenv(settings.DATABASE_URL_ENV, url)
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "coach-data"))
    monkeypatch.setattr(auth, "THROTTLE", auth.LoginThrottle())
    db = open_database(url)
    try:
        ann = accounts.add_patient(db, "Ann Example", "ann", PASSWORD)
    finally:
        db.close()
    return {"url": url, "ann": ann.id, "logs": settings.sessions_dir()}


def short_routine() -> Routine:
    return Routine("short", "Short", "", 1.0, (RoutineStep("seated_figure_four", ("right",), 1, 3.0, 0.0),))


def live_page_run() -> AppTest:
    """A new browser session on the Live page (nobody logged in)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def sessions(url: str) -> list[models.Session]:
    db = open_database(url)
    try:
        with db.session() as s:
            rows = list(s.query(models.Session).all())
            for row in rows:
                _ = [h.completed for h in row.holds]
            return rows
    finally:
        db.close()


def test_a_tab_closed_at_the_pain_after_question_is_imported_on_the_next_page_load(
        clinic: dict[str, Any]) -> None:
    figure_four = LIBRARY.stretches["seated_figure_four"]
    coach = LiveCoach(stretch_routine(figure_four, ("right",)), LIBRARY.stretches, log_dir=clinic["logs"],
                      ask_pain_after=True, paused_session_limit_s=0.2,
                      estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))
    # Ann logs in on the Live page (set to what the coach runs): the page claims each session log
    # her coach opens.
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["live_coach"] = coach
    at.session_state["live_mode"] = "One stretch"
    at.session_state["live_stretch"] = figure_four.id
    at.session_state["live_side"] = "right"
    at.run()
    at.text_input(key="auth_username").input("ann")
    at.text_input(key="auth_password").input(PASSWORD)
    next(b for b in at.button if b.label == "Log in").click()
    at.run()
    assert not at.exception
    coach.pain_before(4)
    feed(coach, figure_four.hold_seconds + 10.0)  # the countdown and the hold: done, waiting for the after score
    snap = coach.snapshot()
    assert snap.done and coach.awaiting_pain_after(snap.session_id)

    live_page_run()  # another tab while the question is still open: not imported yet (still being written)
    assert sessions(clinic["url"]) == []

    coach.on_stream_ended()  # the tab is closed without answering; the held log is closed in time
    deadline = time.monotonic() + 10.0
    while coach.awaiting_pain_after(snap.session_id):
        assert time.monotonic() < deadline, "the held log was never closed"
        time.sleep(0.05)
    live_page_run()
    [row] = sessions(clinic["url"])
    assert row.patient_id == clinic["ann"] and row.source == "live"
    assert (row.pain_before, row.pain_after) == (4, None)
    assert [(h.stretch, h.side, h.completed) for h in row.holds] == [("seated_figure_four", "right", True)]
    assert pending.claims(clinic["logs"]) == []
    live_page_run()  # once only
    assert len(sessions(clinic["url"])) == 1
    coach.close()


CHILD = """
import functools, sys, pathlib
sys.path[:0] = [{tests!r}, {root!r}]
from live_doubles import ScriptedEstimator, correct_figure_four, feed
from coach.live import LiveCoach
from coach.routine import stretch_routine
from coach.store import pending
from coach.stretches import Routine, RoutineStep, load_library
logs = pathlib.Path({logs!r})
routine = Routine("short", "Short", "", 1.0, (RoutineStep("seated_figure_four", ("right",), 1, 3.0, 0.0),))
coach = LiveCoach(routine, load_library().stretches, log_dir=logs, ask_pain_after=True,
                  estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))
coach.on_log_opened = functools.partial(pending.claim, logs, patient_id={patient})
coach.pain_before(2)
feed(coach, 8.0)
snap = coach.snapshot()
assert snap.done and coach.awaiting_pain_after(snap.session_id)
print(snap.log_path, flush=True)
sys.stdin.read()  # waits, at the pain-after question, until it is killed
"""


def killed_at_the_pain_after_question(clinic: dict[str, Any]) -> Path:
    """A real process runs Ann's short session to the pain-after question and is killed (SIGKILL)."""
    code = CHILD.format(tests=str(ROOT / "tests"), root=str(ROOT), logs=str(clinic["logs"]), patient=clinic["ann"])
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, text=True)
    try:
        log_path = Path(child.stdout.readline().strip())  # type: ignore[union-attr]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert log_path.is_file(), "the child process never reached the pain-after question"
    cut = load_session_log(log_path, allow_incomplete=True)
    assert not cut.complete and cut.summary is None  # killed: no summary, no end record
    return log_path


def test_a_server_killed_at_the_pain_after_question_is_imported_on_the_next_start(clinic: dict[str, Any]) -> None:
    killed_at_the_pain_after_question(clinic)
    live_page_run()  # the next start of the app
    [row] = sessions(clinic["url"])
    assert row.patient_id == clinic["ann"]
    assert (row.pain_before, row.pain_after) == (2, None)
    assert [(h.stretch, h.side, h.completed) for h in row.holds] == [("seated_figure_four", "right", True)]
    assert pending.claims(clinic["logs"]) == []

    # The recovered log stays the source of truth: a rebuild gives the same session back.
    db = open_database(clinic["url"])
    try:
        result = rebuild(db, clinic["logs"])
    finally:
        db.close()
    assert (result.imported, result.refused) == (1, [])
    [again] = sessions(clinic["url"])
    assert (again.pain_before, again.pain_after, [h.completed for h in again.holds]) == (2, None, [True])


def test_the_therapist_opening_the_patient_list_imports_it_too(clinic: dict[str, Any]) -> None:
    """Ann never opens the coach again: her therapist's patient list still shows the session."""
    db = open_database(clinic["url"])
    try:
        lee = accounts.add_therapist(db, "dr_lee", PASSWORD)
        accounts.assign(db, lee.id, clinic["ann"])
    finally:
        db.close()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()  # the app starts (on the Live page) before Ann's session exists
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == "clinic")
    at.run()
    killed_at_the_pain_after_question(clinic)
    at.run()
    assert sessions(clinic["url"]) == []  # nobody logged in on the Patients page: nothing imported yet
    at.text_input(key="auth_username").input("dr_lee")
    at.text_input(key="auth_password").input(PASSWORD)
    next(b for b in at.button if b.label == "Log in").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    [row] = sessions(clinic["url"])
    assert row.patient_id == clinic["ann"] and (row.pain_before, row.pain_after) == (2, None)
    [patients] = [df.value for df in at.dataframe if "days active (of 30)" in df.value.columns]
    assert patients.loc[0, "last session (UTC)"] != "none"
    assert pending.claims(clinic["logs"]) == []


def test_a_truncated_log_someone_sends_is_still_refused(clinic: dict[str, Any], tmp_path: Path) -> None:
    """Recovery is only for the app's own claimed logs: `coach import` still refuses a cut log."""
    from coach.session_log import SessionLogError
    from coach.store.importer import import_log

    coach = LiveCoach(short_routine(), LIBRARY.stretches, log_dir=tmp_path / "sent", ask_pain_after=True,
                      estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))
    feed(coach, 8.0)
    snap = coach.snapshot()
    db = open_database(clinic["url"])
    try:
        with pytest.raises(SessionLogError, match="end"):
            import_log(db, snap.log_path, clinic["ann"])
    finally:
        db.close()
        coach.close()
