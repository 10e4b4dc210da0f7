"""Pain scores in a live session's log: before (given before the camera starts), after (the log
waits for it once the routine is done), skipped, and a log nobody answers for closed in time.

Real engine, routine and session log; only the pose model is scripted (`live_doubles`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from coach.live import LiveCoach
from coach.session_log import load_session_log
from coach.stretches import Routine, RoutineStep, load_library
from live_doubles import ScriptedEstimator, correct_figure_four, feed, live_page_for

LIBRARY = load_library()
FIGURE_FOUR = LIBRARY.stretches["seated_figure_four"]


def short_coach(tmp_path: Path, **options: Any) -> LiveCoach:
    routine = Routine("short", "Short", "", 1.0, (RoutineStep(FIGURE_FOUR.id, ("right",), 1, 3.0, 0.0),))
    return LiveCoach(routine, LIBRARY.stretches, log_dir=tmp_path,
                     estimator_factory=lambda o: ScriptedEstimator(correct_figure_four), **options)


def test_before_and_after_scores_are_in_the_log_before_its_end(tmp_path: Path) -> None:
    coach = short_coach(tmp_path, ask_pain_after=True)
    coach.pain_before(3)
    feed(coach, 8.0)  # 1 s countdown, 3 s held: done
    snap = coach.snapshot()
    assert snap.done and [r.completed for r in snap.results] == [True]
    assert coach.awaiting_pain_after(snap.session_id)
    coach.pain_after(snap.session_id, 6)
    assert not coach.awaiting_pain_after(snap.session_id)
    log = load_session_log(snap.log_path)  # complete: summary and end record
    assert [(p["when"], p["score"]) for p in log.pain] == [("before", 3), ("after", 6)]
    assert log.pain[0]["t"] is None and log.summary is not None and log.summary["holds"][0]["completed"]
    coach.close()


def test_a_skipped_after_score_writes_none_and_closes_the_log(tmp_path: Path) -> None:
    coach = short_coach(tmp_path, ask_pain_after=True)
    feed(coach, 8.0)
    snap = coach.snapshot()
    coach.pain_after(snap.session_id, None)
    assert load_session_log(snap.log_path).pain == []
    coach.close()


def test_a_log_waiting_for_the_after_score_is_closed_when_the_tab_goes(tmp_path: Path) -> None:
    coach = short_coach(tmp_path, ask_pain_after=True, paused_session_limit_s=0.2)
    coach.pain_before(2)
    feed(coach, 8.0)
    snap = coach.snapshot()
    coach.on_stream_ended()  # the tab was closed without answering
    deadline = time.monotonic() + 10.0
    while coach.awaiting_pain_after(snap.session_id):
        assert time.monotonic() < deadline, "the held log was never closed"
        time.sleep(0.05)
    log = load_session_log(snap.log_path)
    assert [(p["when"], p["score"]) for p in log.pain] == [("before", 2)]


def test_without_the_question_the_log_closes_when_the_routine_ends(tmp_path: Path) -> None:
    coach = short_coach(tmp_path)
    feed(coach, 8.0)
    snap = coach.snapshot()
    assert snap.done and not coach.awaiting_pain_after(snap.session_id)
    assert load_session_log(snap.log_path).summary is not None
    coach.close()


def test_the_live_page_asks_before_and_after_and_warns_of_a_rise(tmp_path: Path, monkeypatch: Any) -> None:
    from types import SimpleNamespace


    from coach import settings
    from coach.ui import live_page

    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setattr(live_page, "webrtc_streamer",
                        lambda **_: SimpleNamespace(state=SimpleNamespace(playing=False, signalling=False)))
    coach = LiveCoach(stretch_routine_right(), LIBRARY.stretches, log_dir=tmp_path, ask_pain_after=True,
                      estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))
    at = live_page_for(coach)
    assert not at.exception
    at.button_group(key="live_pain_before_0").set_value(2).run()
    assert not at.exception
    feed(coach, 45.0)  # the page's routine: 30 s hold on the right side, with its countdown
    assert coach.snapshot().done
    at.run()
    at.run()
    assert not at.exception
    assert "Your last session" in [s.value for s in at.subheader]
    session_id = coach.snapshot().session_id
    at.button_group(key=f"live_pain_after_{session_id}").set_value(5).run()
    at.button(key="live_pain_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Your pain went up by 3 points. Stop for today; if pain, tingling or "
                                           "numbness keeps increasing, contact your therapist or doctor."]
    log = load_session_log(coach.snapshot().log_path)
    assert [(p["when"], p["score"]) for p in log.pain] == [("before", 2), ("after", 5)]
    coach.close()


def stretch_routine_right() -> Routine:
    from coach.routine import stretch_routine

    return stretch_routine(FIGURE_FOUR, ("right",))


def test_a_paused_session_nobody_comes_back_to_gets_its_end_record_without_the_question(tmp_path: Path) -> None:
    coach = short_coach(tmp_path, ask_pain_after=True, paused_session_limit_s=0.2)
    coach.pain_before(4)
    feed(coach, 2.0)  # still in the hold
    coach.on_stream_ended()  # the tab was closed mid-session
    path = coach.snapshot().log_path
    deadline = time.monotonic() + 10.0
    while not coach.snapshot().log_closed or coach.awaiting_pain_after(coach.snapshot().session_id):
        assert time.monotonic() < deadline, "the paused session never ended"
        time.sleep(0.05)
    log = load_session_log(path)  # complete, with its end record
    assert [(p["when"], p["score"]) for p in log.pain] == [("before", 4)]
