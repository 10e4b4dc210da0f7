"""Sharing on the Live page and the Watch page, run headless with AppTest on a temporary SQLite database.

A logged-in patient with an assigned therapist shares and ends sharing; a patient without a
therapist is told why there is no button; on the Watch page the assigned therapist gets the
patient's session, and a patient, an unassigned therapist, a wrong code and an ended share
get a plain message and no stream. The video itself is tested in a real browser
(`tests/test_watch_browser.py`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach import settings
from coach.live import LiveCoach
from coach.live import sharing
from coach.routine import stretch_routine
from coach.store import accounts
from coach.store.database import open_database
from coach.stretches import load_library
from coach.ui import auth
from live_doubles import ScriptedEstimator, correct_figure_four, feed

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "correct horse battery"
LIBRARY = load_library()
#: The Watch page on its own (AppTest cannot open a page of `st.navigation` that is a function).
WATCH_PAGE = "from coach.ui import watch_page\nwatch_page.render()\n"


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> sharing.ShareRegistry:
    fresh = sharing.ShareRegistry()
    monkeypatch.setattr(sharing, "REGISTRY", fresh)
    for module in ("coach.ui.live_share", "coach.ui.watch_page"):
        monkeypatch.setattr(f"{module}.REGISTRY", fresh)
    return fresh


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    path = tmp_path / "clinic.db"
    monkeypatch.setenv(settings.DATABASE_URL_ENV, f"sqlite:///{path}")
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "coach-data"))
    monkeypatch.setattr(auth, "THROTTLE", auth.LoginThrottle())
    db = open_database(f"sqlite:///{path}")
    try:
        ann = accounts.add_patient(db, "Ann Example", "ann", PASSWORD)
        bob = accounts.add_patient(db, "Bob Example", "bob", PASSWORD)
        lee = accounts.add_therapist(db, "drlee", PASSWORD)
        accounts.add_therapist(db, "drkim", PASSWORD)
        accounts.assign(db, lee.id, ann.id)
        return {"ann": ann.id, "bob": bob.id, "lee": lee.id}
    finally:
        db.close()


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts).replace("\\", "").replace("**", "").replace(":material/visibility: ", "")


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def log_in(at: AppTest, username: str) -> AppTest:
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(PASSWORD)
    next(b for b in at.button if b.label == "Log in").click()
    return run(at)


def button(at: AppTest, label: str) -> object:
    return next(b for b in at.button if b.label == label)


def coach() -> LiveCoach:
    return LiveCoach(stretch_routine(LIBRARY.stretches["seated_figure_four"], ("right",)), LIBRARY.stretches,
                     estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))


def test_a_patient_shares_their_session_and_ends_sharing(clinic: dict[str, int], registry: sharing.ShareRegistry) -> None:
    at = log_in(run(AppTest.from_file(APP, default_timeout=60)), "ann")
    button(at, "Let my therapist watch").click()  # type: ignore[attr-defined]
    run(at)
    code = at.session_state["live_share_code"]
    assert f"Your therapist drlee can watch this session live · code {code}" in texts(at)
    assert "Nothing is recorded" in texts(at)
    status = registry.status(code)
    assert status is not None and status.live and status.patient_id == clinic["ann"]
    button(at, "End sharing").click()  # type: ignore[attr-defined]
    run(at)
    assert "You ended sharing: nobody can watch now." in texts(at)
    assert registry.status(code).ended == sharing.ENDED_BY_PATIENT  # type: ignore[union-attr]


def test_a_patient_without_a_therapist_cannot_share(clinic: dict[str, int], registry: sharing.ShareRegistry) -> None:
    at = log_in(run(AppTest.from_file(APP, default_timeout=60)), "bob")
    assert not [b for b in at.button if b.label == "Let my therapist watch"]
    assert "needs a therapist assigned to you" in texts(at)


def test_logging_out_ends_the_share(clinic: dict[str, int], registry: sharing.ShareRegistry) -> None:
    at = log_in(run(AppTest.from_file(APP, default_timeout=60)), "ann")
    button(at, "Let my therapist watch").click()  # type: ignore[attr-defined]
    code = run(at).session_state["live_share_code"]
    button(at, "Log out").click()  # type: ignore[attr-defined]
    run(at)
    assert registry.status(code).ended == sharing.ENDED_LOGGED_OUT  # type: ignore[union-attr]


def test_the_watch_page_lets_only_the_assigned_therapist_in(clinic: dict[str, int],
                                                           registry: sharing.ShareRegistry) -> None:
    live = coach()
    code = registry.start(clinic["ann"], "Ann Example", frozenset({clinic["lee"]}), live.snapshot, lambda: None)
    feed(live, 8.0)  # the countdown, then holding

    def watch(username: str, typed: str) -> AppTest:
        at = run(AppTest.from_string(WATCH_PAGE, default_timeout=60))
        log_in(at, username)
        if username != "ann":
            at.text_input(key="watch_code").input(typed)
            run(at)
        return at

    lee = watch("drlee", code.lower())
    assert "Watching Ann Example live." in texts(lee)
    assert "The patient's camera is off" in texts(lee)  # no camera track in this test: no video component
    html = "".join(str(h.proto.body) for h in lee.get("html"))
    assert "Hold 1 of 1: Seated figure-4 glute stretch, right side" in html and "s held of 30 s" in html

    assert "not assigned to this patient" in texts(watch("drkim", code))
    assert "No live session is shared with the code WRONG123" in texts(watch("drlee", "wrong123"))
    patient = watch("ann", code)
    assert "This page is for therapists." in texts(patient)
    assert not [t for t in patient.text_input if t.key == "watch_code"]

    live.stop()  # End session: the share ends with it
    ended = watch("drlee", code)
    assert "This share has ended: The session ended." in texts(ended)
    assert "Watching Ann Example" not in texts(ended)
