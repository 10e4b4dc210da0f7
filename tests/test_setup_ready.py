"""The set-up step's Ready button and picture (issue 14: "waiting until the person is seen in
the new position (or a Ready press)").

The runner: Ready ends a set-up step at once (the countdown follows), and is nothing in any
other phase. The Live page, headless (AppTest) with the camera component replaced, driven
through a real `LiveCoach` whose estimator finds nobody (so only Ready can end the set-up):
the next position's picture and a large Ready button, the press logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from live_doubles import ScriptedEstimator, feed
from streamlit.testing.v1 import AppTest
from test_app_pages import APP, FakeWebRtc, data_dir, fake_camera, no_exception, texts  # noqa: F401
from test_routine_setup import FPS, LIBRARY, Person, chair_then_floor, run

from coach.live import LiveCoach
from coach.live.session import READY_PRESSED
from coach.routine import Phase, RoutineRunner
from coach.session_log import load_session_log
from coach.ui import setup_step


def test_ready_ends_the_setup_step_and_nothing_else() -> None:
    runner = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
    person = Person(lambda since: "front")  # on the floor but never side-on: the set-up waits
    statuses = run(runner, person, until=30.0)
    assert statuses[-1][1].phase is Phase.SETUP and statuses[-1][1].slot.stretch.id == "downward_dog"
    t = statuses[-1][0]
    runner.ready()
    after = [runner.update(person(t + i / FPS, runner.slot), t + i / FPS) for i in range(1, 3)]
    assert [s.phase for s in after] == [Phase.COUNTDOWN, Phase.COUNTDOWN]
    assert after[0].phase_remaining_s == 3.0  # a whole countdown, from the first frame after Ready
    assert after[-1].update.hold.held_s == 0.0  # no time counted
    for phase in (Phase.COUNTDOWN, Phase.HOLD):
        fresh = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
        statuses = run(fresh, Person(lambda since: "side_left"), until=30.0)
        t, status = next((t, s) for t, s in statuses if s.phase is phase)
        fresh = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
        run(fresh, Person(lambda since: "side_left"), until=t + 1e-6)
        before = (fresh.phase, fresh.index)
        fresh.ready()
        assert (fresh.phase, fresh.index) == before == (phase, 0)


def at_setup(tmp_path: Path) -> LiveCoach:
    """The sciatica routine with its four chair holds skipped: the set-up for the downward dog,
    with nobody in view (only Ready can end it)."""
    coach = LiveCoach(LIBRARY.routines["sciatica"], LIBRARY.stretches, log_dir=tmp_path,
                      estimator_factory=lambda options: ScriptedEstimator(None))
    feed(coach, 1.0)
    for _ in range(4):
        coach.skip()
    feed(coach, 20.0, start=101.0)
    snap = coach.snapshot()
    assert (snap.phase, snap.stretch_id) == ("setup", "downward_dog")
    return coach


def sciatica_page(coach: LiveCoach) -> Any:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["live_coach"] = coach
    at.session_state["live_mode"] = "A routine"
    at.session_state["live_routine"] = "sciatica"
    at.run()
    return at


def test_the_live_page_shows_the_next_position_and_a_ready_button(fake_camera: FakeWebRtc,  # noqa: F811
                                                                 tmp_path: Path) -> None:
    coach = at_setup(tmp_path)
    fake_camera.playing = True
    at = sciatica_page(coach)
    no_exception(at)
    page = texts(at)
    assert "Set up for Downward dog: move the laptop so it sees you side-on" in "".join(str(h.proto.body) for h in at.get("html"))
    dog = LIBRARY.stretches["downward_dog"]
    assert f"Next: **Downward dog**. **Camera:** {dog.view_advice}" in page
    assert "or when you press Ready" in page
    images = at.get("image")
    captions = [img.proto.imgs[0].caption for img in images]
    assert "Downward dog: the position to get into" in captions
    ready = at.button(key=setup_step.READY_KEY)
    assert ready.label == "Ready" and ready.proto.type == "primary"
    assert any(f"st-key-{setup_step.READY_KEY}" in str(h.proto.body) and "font-size: 2.5rem" in str(h.proto.body)
               for h in at.get("html"))  # large, for someone on the floor 2-3 m away

    ready.click().run()
    no_exception(at)
    feed(coach, 1.0, start=121.0)
    snap = coach.snapshot()
    assert (snap.phase, snap.stretch_id, snap.held_s) == ("countdown", "downward_dog", 0.0)
    at.run()
    assert setup_step.READY_KEY not in {b.key for b in at.button}
    coach.stop()
    events = load_session_log(snap.log_path).events
    pressed = [e for e in events if e["reason"] == READY_PRESSED]
    assert len(pressed) == 1 and pressed[0]["stretch"] == "downward_dog"
