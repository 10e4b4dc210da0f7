"""The Live page runs a logged-in patient's current plan (issue 15: "the live page runs the
patient's current plan"), headless with AppTest on a temporary SQLite database.

A patient with a prescription gets its stretches, sides, holds, reps, rest and depth targets,
labelled with whose plan it is and the therapist's note, and can still pick the standard
routines; a patient without one, and a laptop without accounts, get the standard routine. The
coach is a real `LiveCoach` whose estimator returns a correct figure-4 (no model, no camera).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from live_doubles import ScriptedEstimator, correct_figure_four, feed
from streamlit.testing.v1 import AppTest
from test_app_pages import FakeWebRtc, data_dir, fake_camera  # noqa: F401

from coach import settings
from coach.live import LiveCoach
from coach.session_log import load_session_log
from coach.store import accounts
from coach.store.database import open_database
from coach.store.prescriptions import active_prescription, save_prescription
from coach.stretches import load_library
from coach.ui import auth

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "correct horse battery"
LIBRARY = load_library()
PLAN = """note = "Gently; stop if tingling starts."
countdown_seconds = 2

[[steps]]
stretch = "seated_figure_four"
sides = ["right"]
hold_seconds = 12
reps = 2
rest_seconds = 4
[steps.targets.knee_pressed_down]
max = 0.3
"""


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    monkeypatch.setenv(settings.DATABASE_URL_ENV, url)
    monkeypatch.setattr(auth, "THROTTLE", auth.LoginThrottle())
    return url


@pytest.fixture
def clinic(db_url: str) -> dict[str, int]:
    """Ann has a plan from drlee; Bob, also drlee's patient, has none."""
    db = open_database(db_url)
    try:
        ann = accounts.add_patient(db, "Ann Example", "ann", PASSWORD)
        bob = accounts.add_patient(db, "Bob Example", "bob", PASSWORD)
        lee = accounts.add_therapist(db, "drlee", PASSWORD)
        for patient in (ann, bob):
            accounts.assign(db, lee.id, patient.id)
        save_prescription(db, accounts.User("therapist", lee.id), ann.id, PLAN, LIBRARY)
        return {"ann": ann.id, "bob": bob.id}
    finally:
        db.close()


def scripted_coach(log_dir: Path) -> LiveCoach:
    """A coach set to the standard routine, as the page first makes it; the page configures it."""
    return LiveCoach(LIBRARY.routines["sciatica"], LIBRARY.stretches, log_dir=log_dir,
                     estimator_factory=lambda options: ScriptedEstimator(correct_figure_four))


def logged_in(username: str, coach: LiveCoach) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["live_coach"] = coach
    at.run()
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(PASSWORD)
    next(b for b in at.button if b.label == "Log in").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts).replace("\\", "")


def plan_label(db_url: str, patient_id: int) -> str:
    db = open_database(db_url)
    try:
        stored = active_prescription(db, accounts.User("patient", patient_id), patient_id)
        assert stored is not None
        return f"Your plan from drlee, {stored.created_at.day} {stored.created_at:%B %Y}"
    finally:
        db.close()


def test_a_patient_with_a_plan_is_coached_through_it(clinic: dict[str, int], db_url: str, tmp_path: Path,
                                                     fake_camera: FakeWebRtc) -> None:  # noqa: F811
    coach = scripted_coach(tmp_path / "logs")
    at = logged_in("ann", coach)
    page = texts(at)
    label = plan_label(db_url, clinic["ann"])
    assert f"**{label}.** Note from your therapist: *Gently; stop if tingling starts.*" in page
    assert f"Now: {label}, voice on" in page
    # The plan as the page lists it: the prescribed side, hold, reps and rest; no other stretch.
    assert "**The plan:** 2 holds, 2 s countdown before each" in page
    assert "1. Seated figure-4 glute stretch, right side (set 1 of 2): hold 12 s, then rest 4 s" in page
    assert "2. Seated figure-4 glute stretch, right side (set 2 of 2): hold 12 s" in page
    assert "Downward dog" not in page and "twist" not in page.lower()

    # The coach runs it, with the plan's depth target in place of the stretch file's (0.08).
    feed(coach, 2.0 + 3.0)
    snap = coach.snapshot()
    assert (snap.phase, snap.stretch_id, snap.side, snap.target_s) == ("hold", "seated_figure_four", "right", 12.0)
    knee = next(c for c in snap.checks if c.check_id == "knee_pressed_down")
    assert knee.target_max == 0.3
    coach.stop()
    log = load_session_log(snap.log_path)
    assert log.header["routine"] == "prescription"

    # The standard routines stay one choice away.
    at.radio(key="live_plan_choice").set_value("standard").run()
    assert not at.exception
    page = texts(at)
    assert "Now: Sciatica" in page and "1. Seated piriformis twist" in page and "Your plan from" not in page
    assert coach.routine == LIBRARY.routines["sciatica"]


def test_a_patient_without_a_plan_gets_the_standard_routine(clinic: dict[str, int], tmp_path: Path,
                                                           fake_camera: FakeWebRtc) -> None:  # noqa: F811
    coach = scripted_coach(tmp_path / "logs")
    at = logged_in("bob", coach)
    page = texts(at)
    assert "Logged in as Bob Example." in page
    assert "Your plan" not in page and not [r for r in at.radio if r.key == "live_plan_choice"]
    assert "1. Seated piriformis twist" in page and coach.routine == LIBRARY.routines["sciatica"]
    feed(coach, 2.0)
    assert coach.snapshot().stretch_id == "seated_piriformis_twist"  # the standard routine's first stretch
    coach.stop()


def test_a_plan_file_given_to_coach_prescribe_is_run_the_same(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        fake_camera: FakeWebRtc) -> None:  # noqa: F811
    from coach.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["patient", "add", "Cara Example", "--username", "cara"]) == 0
    plan = tmp_path / "cara-plan.toml"
    plan.write_text(PLAN.replace("Gently; stop if tingling starts.", "Slowly, Cara."))
    assert main(["prescribe", str(plan), "--patient", "1"]) == 0
    capsys.readouterr()
    coach = scripted_coach(tmp_path / "logs")
    at = logged_in("cara", coach)
    page = texts(at)
    assert "Your plan from your therapist, " in page and "Note from your therapist: *Slowly, Cara.*" in page
    assert "1. Seated figure-4 glute stretch, right side (set 1 of 2): hold 12 s, then rest 4 s" in page
    assert [s.stretch_id for s in coach.routine.steps] == ["seated_figure_four"]
    coach.stop()
