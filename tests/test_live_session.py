"""The live session as a patient uses it: pausing, stopping the camera to move the laptop and
starting it again, a hold that makes no progress, a paused session nobody comes back to.

Real engine, routine and session log; only the pose model is scripted (`live_doubles`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from coach.live import LiveCoach
from coach.routine import stretch_routine
from coach.session_log import load_session_log
from coach.stretches import load_library
from live_doubles import ScriptedEstimator, correct_figure_four, feed, live_page_for

LIBRARY = load_library()
FIGURE_FOUR = LIBRARY.stretches["seated_figure_four"]


def coach_for(tmp_path: Path, landmarks: Any = correct_figure_four, **options: Any) -> LiveCoach:
    return LiveCoach(stretch_routine(FIGURE_FOUR, ("right", "left")), LIBRARY.stretches, log_dir=tmp_path,
                     estimator_factory=lambda o: ScriptedEstimator(landmarks), **options)


def reasons(log_path: str) -> list[str]:
    return [e["reason"] for e in load_session_log(log_path, allow_incomplete=True).events if e["reason"]]


def test_stopping_and_starting_the_camera_carries_on_at_the_same_hold_with_the_same_log(tmp_path: Path) -> None:
    coach = coach_for(tmp_path)
    feed(coach, 12.0)  # 5 s countdown, then about 6.5 s held
    before = coach.snapshot()
    assert before.phase == "hold" and before.held_s > 5.0 and before.slot_index == 0
    coach.on_stream_ended()  # the person stops the camera to move the laptop
    paused = coach.snapshot()
    assert paused.paused == "camera stopped" and not paused.done and not paused.log_closed
    # Minutes later a new stream starts, with its own clock.
    feed(coach, 3.0, start=9000.0)
    after = coach.snapshot()
    assert after.session_id == before.session_id and after.log_path == before.log_path
    assert after.paused is None and after.slot_index == 0 and after.phase == "hold"
    assert after.held_s > before.held_s + 2.0  # the same hold goes on counting, nothing was reset
    assert after.t == pytest.approx(before.t + 3.0, abs=0.2)  # the pause took no session time
    coach.close()
    log = load_session_log(before.log_path)
    times = [f["t"] for f in log.frames]
    assert times == sorted(times)
    assert "session paused: camera stopped" in reasons(before.log_path)
    assert "session resumed" in reasons(before.log_path)


def test_pause_stops_the_clock_until_resume(tmp_path: Path) -> None:
    coach = coach_for(tmp_path)
    feed(coach, 10.0)
    coach.pause()
    held = coach.snapshot().held_s
    out = feed(coach, 20.0, start=200.0)  # the camera runs on while paused
    snap = coach.snapshot()
    assert snap.paused == "paused by you" and snap.held_s == held and snap.frames == 100
    assert out.shape == (480, 640, 3)  # the person still sees themselves (with a "Paused" line)
    coach.resume()
    feed(coach, 2.0, start=300.0)
    snap = coach.snapshot()
    assert snap.paused is None and snap.held_s > held + 1.0
    coach.close()
    assert ["session paused: paused by you", "session resumed"] == \
        [r for r in reasons(snap.log_path) if r.startswith("session")]


def test_a_hold_without_progress_is_offered_to_skip_after_the_set_time(tmp_path: Path) -> None:
    coach = coach_for(tmp_path, landmarks=None, stuck_after_s=45.0)  # nobody in view
    feed(coach, 5.0 + 44.0)  # countdown, then 44 s of "Step into view"
    assert not coach.snapshot().stuck
    feed(coach, 2.0, start=149.0)
    snap = coach.snapshot()
    assert snap.phase == "hold" and snap.stuck and 45.0 <= snap.stuck_s < 47.0
    coach.skip()  # what the page offers
    feed(coach, 0.5, start=151.0)
    assert coach.snapshot().slot_index == 1 and not coach.snapshot().stuck  # the next hold starts afresh
    coach.close()
    assert any(r.startswith("no time counted for 45 s") for r in reasons(snap.log_path))


def test_a_paused_session_nobody_comes_back_to_ends_with_its_log_closed(tmp_path: Path) -> None:
    coach = coach_for(tmp_path, paused_session_limit_s=0.3)
    feed(coach, 8.0)
    coach.on_stream_ended()  # e.g. the tab was closed
    log_path = coach.snapshot().log_path
    deadline = time.monotonic() + 10.0
    while not coach.snapshot().log_closed:
        assert time.monotonic() < deadline, "the paused session never ended"
        time.sleep(0.05)
    log = load_session_log(log_path)
    assert log.summary is not None and log.summary["live"]["stopped_early"]
    assert coach.snapshot().done and coach.snapshot().paused is None


def test_it_hurts_pauses_saves_the_moment_and_asks_whether_to_stop(tmp_path: Path) -> None:
    coach = coach_for(tmp_path)
    feed(coach, 9.0)
    held = coach.snapshot().held_s
    coach.it_hurts()
    feed(coach, 5.0, start=200.0)  # the camera runs on: nothing is judged or counted
    snap = coach.snapshot()
    assert snap.paused == "it hurts" and snap.held_s == held
    coach.on_stream_ended()  # the camera going off does not turn it into an ordinary pause
    assert coach.snapshot().paused == "it hurts"
    coach.stop()  # "Stop for today"
    assert coach.snapshot().done and coach.snapshot().log_closed
    log = load_session_log(snap.log_path)
    assert [(p["when"], p["score"]) for p in log.pain] == [("during", None)]
    assert "session paused: it hurts" in reasons(snap.log_path)


def test_the_live_page_offers_it_hurts_and_stop_for_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace


    from coach import settings
    from coach.ui import live_page

    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setattr(live_page, "webrtc_streamer",
                        lambda **_: SimpleNamespace(state=SimpleNamespace(playing=True, signalling=False)))
    coach = LiveCoach(stretch_routine(FIGURE_FOUR, ("right",)), LIBRARY.stretches, log_dir=tmp_path,
                      estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))
    feed(coach, 8.0)
    at = live_page_for(coach)
    at.button(key="live_it_hurts").click().run()
    assert not at.exception
    assert any("Stop if pain, tingling or numbness increases" in e.value for e in at.error)
    at.button(key="live_hurts_stop").click().run()
    assert not at.exception and coach.snapshot().done
    coach.close()


def test_a_frame_in_the_model_when_pause_is_pressed_is_not_judged(tmp_path: Path) -> None:
    """Pause pressed while the pose model runs on a frame: that frame is not judged after the
    pause (it would count hold time and move the session clock past the pause record)."""
    holder: dict[str, LiveCoach] = {}
    pressed_at: list[float] = []

    def pause_while_estimating(t: float) -> Any:
        if t >= 8.0 and not pressed_at:
            pressed_at.append(t)
            holder["coach"].pause()  # the page's script thread, while the model runs on this frame
        return correct_figure_four(t)

    coach = holder["coach"] = coach_for(tmp_path, landmarks=pause_while_estimating)
    feed(coach, 10.0, start=0.0)  # 5 s countdown, then the hold counts until the pause at 8 s
    snap = coach.snapshot()
    assert pressed_at and snap.paused == "paused by you" and snap.held_s > 2.0
    log = load_session_log(snap.log_path, allow_incomplete=True)
    pause = next(e for e in log.events if e["reason"] == "session paused: paused by you")
    assert max(f["t"] for f in log.frames) <= pause["t"]  # nothing judged after the pause
    assert snap.held_s == pytest.approx(pause["held"], abs=1e-3)
    coach.resume()
    feed(coach, 2.0, start=50.0)
    coach.close()
    log = load_session_log(snap.log_path)
    resume = next(e for e in log.events if e["reason"] == "session resumed")
    assert (resume["t"], resume["held"]) == (pause["t"], pause["held"])
