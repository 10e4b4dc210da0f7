"""The Streamlit pages, run headless with `streamlit.testing.v1.AppTest`.

The pages run in this process, so the camera component is replaced by a stand-in
(`FakeWebRtc`): the live page is driven through its `LiveCoach` instead, the way
the real video callback drives it. Also here: the pure parts behind the live
page (speech timing, the coach object, settings).
"""

from __future__ import annotations

import html

import json
import re
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from coach.analyze import analyze_video
from coach.estimator import PoseResult
from coach.stretches import fill_sides, load_library
from coach import settings
from coach.ui import live_page
from coach.routine import stretch_routine
from coach.sources import VideoFileSource
from coach.video_writer import AnnotatedVideoWriter
from coach.ui.words import target_words
from coach.live import LiveCoach
from live_doubles import ScriptedEstimator, correct_figure_four, feed, live_page_for
from coach.live.bench import StampingLiveCoach, live_coach_class
from coach.ui.speech import SpeechPlanner, speak_js

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LIBRARY = load_library()
ANALYSIS_TIMEOUT_S = 90


# ---------------------------------------------------------------- helpers


class FakeWebRtc:
    """Stands in for `webrtc_streamer` (which needs a real browser session)."""

    def __init__(self, playing: bool = False) -> None:
        self.playing = playing
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return SimpleNamespace(state=SimpleNamespace(playing=self.playing, signalling=False))


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Session logs and analyses go to a temporary folder, never ~/.stretch_coach."""
    folder = tmp_path / "coach-data"
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(folder))
    monkeypatch.delenv(settings.ICE_ENV, raising=False)
    return folder


@pytest.fixture
def fake_camera(monkeypatch: pytest.MonkeyPatch) -> FakeWebRtc:
    fake = FakeWebRtc()
    monkeypatch.setattr(live_page, "webrtc_streamer", fake)
    return fake


def app(page: str | None = None) -> AppTest:
    """The whole app, on the page with this URL path (None: the default page, Live coach)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    if page:
        # Pages are callables, which AppTest.switch_page (file pages only) cannot open:
        # select the registered page by its URL path, as a browser's address would.
        at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == page)
        at.run()
    return at


def texts(at: AppTest) -> str:
    """Every piece of text on the page (markdown, alerts, captions, headings)."""
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "title", "header", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [e.proto.body for e in at.get("html")]  # raw HTML (the live panel's check list)
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))  # as shown: data is escaped for markdown


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


@pytest.fixture(scope="module")
def session_log(tmp_path_factory: pytest.TempPathFactory, astronaut_video: Path) -> Path:
    """A real session log: the astronaut clip analysed as the seated figure-4, right side."""
    result = analyze_video(astronaut_video, stretch_id="seated_figure_four", side="right",
                           out_dir=tmp_path_factory.mktemp("analysis"), library=LIBRARY)
    return result.outputs.session_log


# ---------------------------------------------------------------- app and live page


def test_every_page_shows_the_health_note(fake_camera: FakeWebRtc) -> None:
    for page in (None, "review", "stretches"):
        at = app(page)
        no_exception(at)
        everything = texts(at)
        assert "stop if pain, tingling or numbness increases" in everything.lower()
        assert "Not a diagnosis" in everything


def test_live_page_defaults_to_the_sciatica_routine_with_its_first_instructions(fake_camera: FakeWebRtc) -> None:
    at = app()
    no_exception(at)
    assert at.selectbox(key="live_routine").value == "sciatica"
    page = texts(at)
    assert "How to do it: Seated piriformis twist — right side" in page
    # The side is filled in: the right leg crosses over the left knee.
    # Every step with the side filled in (right first), and where to put the camera.
    twist = LIBRARY.stretches["seated_piriformis_twist"]
    for step in twist.instructions:
        assert fill_sides(step, "right") in page
    assert "{working}" not in page and "cross your right leg over" in page
    assert twist.view_advice in page
    assert "Waiting for the camera" in page
    # Nothing is claimed before the first processed frame.
    assert "held of" not in page and "Hold 1 of" not in page
    # The camera: SENDRECV, no ICE servers on localhost, 640x480 video only, and the callback
    # on the event loop (it only draws; the model runs in its own process).
    call = fake_camera.calls[-1]
    assert call["rtc_configuration"] == {"iceServers": []}
    assert call["media_stream_constraints"] == {"video": {"width": 640, "height": 480}, "audio": False}
    assert call["async_processing"] is False
    coach = at.session_state["live_coach"]
    assert call["video_frame_callback"] == coach.process
    assert coach.routine.id == "sciatica"


def test_the_stretch_pickers_list_the_routine_first_and_start_on_its_first_stretch(fake_camera: FakeWebRtc) -> None:
    """Live's one-stretch picker and Review's (before a video is chosen or when the stretch cannot
    be told) open on the routine's first stretch, in the Stretches page's order; they opened on
    the downward dog, the routine's last, because the library is sorted by id."""
    routine = [step.stretch_id for step in LIBRARY.routines["sciatica"].steps]
    names = [LIBRARY.stretches[i].name for i in dict.fromkeys(routine)]
    live = app()
    live.radio(key="live_mode").set_value("One stretch").run()
    no_exception(live)
    review = app("review")
    no_exception(review)
    for picker in (live.selectbox(key="live_stretch"), review.selectbox(key="review_stretch")):
        assert picker.value == routine[0] == "seated_piriformis_twist"
        assert list(picker.options)[:len(names)] == names


def test_choosing_one_stretch_and_a_side_shows_its_instructions(fake_camera: FakeWebRtc) -> None:
    at = app()
    at.radio(key="live_mode").set_value("One stretch").run()
    at.selectbox(key="live_stretch").set_value("downward_dog").run()
    no_exception(at)
    page = texts(at)
    assert "How to do it: Downward dog" in page
    dog = LIBRARY.stretches["downward_dog"]
    assert all(step in page for step in dog.instructions)
    assert dog.view_advice in page
    at.selectbox(key="live_stretch").set_value("seated_figure_four").run()
    at.selectbox(key="live_side").set_value("left").run()
    no_exception(at)
    page = texts(at)
    assert "How to do it: Seated figure-4 glute stretch — left side" in page
    for step in LIBRARY.stretches["seated_figure_four"].instructions:
        assert fill_sides(step, "left") in page
    # What the front camera cannot see is said before the hold, for this side.
    assert "The camera cannot see this: check it yourself." in page
    check_box = next(i.value for i in at.info if "check it yourself" in i.value)
    for text in LIBRARY.stretches["seated_figure_four"].check_yourself:
        assert f"\n- {fill_sides(text, 'left')}" in check_box  # one item a line, not a run-on paragraph
    assert "{working}" not in page
    coach = at.session_state["live_coach"]
    assert [(s.stretch_id, s.sides) for s in coach.routine.steps] == [("seated_figure_four", ("left",))]


def test_ice_servers_come_from_the_environment(fake_camera: FakeWebRtc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.ICE_ENV, '[{"urls": "stun:stun.example.org:3478"}]')
    at = app()
    no_exception(at)
    assert fake_camera.calls[-1]["rtc_configuration"] == {"iceServers": [{"urls": ["stun:stun.example.org:3478"]}]}


def test_ice_server_setting_errors_are_explained() -> None:
    assert settings.ice_servers(environ={}) == []
    with pytest.raises(settings.SettingsError, match="not valid JSON"):
        settings.ice_servers(environ={settings.ICE_ENV: "[{"})
    with pytest.raises(settings.SettingsError, match="stun:, stuns:, turn: or turns:"):
        settings.ice_servers(environ={settings.ICE_ENV: '[{"urls": "http://x"}]'})
    secrets = {"ice_servers": [{"urls": ["turn:t.example.org"], "username": "u", "credential": "p"}]}
    assert settings.ice_servers(secrets, environ={}) == [
        {"urls": ["turn:t.example.org"], "username": "u", "credential": "p"}]


def test_live_coach_times_holds_from_frame_timestamps_and_writes_a_verified_log(tmp_path: Path) -> None:
    estimators: list[ScriptedEstimator] = []

    def factory(options: Any) -> ScriptedEstimator:
        estimators.append(ScriptedEstimator(correct_figure_four))
        return estimators[-1]

    stretch = LIBRARY.stretches["seated_figure_four"]
    coach = LiveCoach(stretch_routine(stretch, ("right",)), LIBRARY.stretches, log_dir=tmp_path,
                      estimator_factory=factory)
    assert not coach.snapshot().started
    # 5 s countdown + 8 s of correct pose at 10 fps, then the camera drops to 480x360.
    feed(coach, 9.0)
    out = feed(coach, 4.0, start=109.0, size=(480, 360))
    assert out.shape == (360, 480, 3)
    snap = coach.snapshot()
    assert snap.phase == "hold" and snap.correct is True and snap.hold_state == "holding"
    assert 6.5 <= snap.held_s <= 8.0, snap.held_s  # time since the countdown ended, minus settling
    assert snap.frame_size == (480, 360) and all(row.passes for row in snap.checks)
    assert len(estimators) == 1  # one estimator per stream
    # Skip ends the only hold: the routine is done and the log is closed with its summary.
    coach.skip()
    snap = coach.snapshot()
    assert snap.done and snap.stopped and snap.log_closed and snap.results[0].skipped
    from coach.session_log import load_session_log

    log = load_session_log(snap.log_path)
    assert log.header["source"] == "live"
    assert log.frames[0]["t"] == 0.0 and log.frames[-1]["t"] == pytest.approx(12.9, abs=0.01)
    assert log.summary["holds"][0]["held_s"] == pytest.approx(snap.held_s, abs=0.2)
    coach.on_stream_ended()
    assert estimators[0].closed
    # A new stream starts a new session with a new estimator.
    feed(coach, 2.0, start=5000.0)
    snap = coach.snapshot()
    assert snap.session_id == 2 and len(estimators) == 2 and not snap.done
    assert snap.t == pytest.approx(1.9) and snap.phase == "countdown"  # its own clock from 0


def test_live_coach_survives_a_failing_model(tmp_path: Path) -> None:
    def broken(options: Any) -> Any:
        raise RuntimeError("model file missing")

    coach = LiveCoach(LIBRARY.routines["sciatica"], LIBRARY.stretches, log_dir=tmp_path, estimator_factory=broken)
    frame = np.full((480, 640, 3), 90, np.uint8)
    out = coach.process_rgb(frame, 1.0)
    assert out.shape == frame.shape  # the video keeps flowing
    assert "model file missing" in (coach.snapshot().error or "")


def test_live_path_returns_every_frame_at_once_and_judges_the_newest_in_its_own_thread(tmp_path: Path) -> None:
    import threading
    from fractions import Fraction

    import av

    from coach.live import bench_stamp

    release = threading.Event()
    judged_times: list[float] = []

    class SlowEstimator(ScriptedEstimator):
        def process(self, rgb: np.ndarray, t: float) -> PoseResult:
            release.wait(5.0)  # the "model" takes as long as the test wants
            judged_times.append(t)
            return super().process(rgb, t)

    routine = stretch_routine(LIBRARY.stretches["seated_figure_four"], ("right",))
    coach = StampingLiveCoach(routine, LIBRARY.stretches, log_dir=tmp_path,
                              estimator_factory=lambda options: SlowEstimator(correct_figure_four))

    def camera_frame(i: int) -> Any:
        rgb = np.full((480, 640, 3), 60, np.uint8)
        bench_stamp.mark_index(rgb, i)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts, frame.time_base = i * 3000, Fraction(1, 90000)
        return frame

    # The model is busy: frames still come straight back, the camera's own (mirrored), claiming nothing.
    for i in range(5):
        out = coach.process(camera_frame(i)).to_ndarray(format="rgb24")
        assert bench_stamp.decode_index(out) == (i, True)
        assert bench_stamp.decode_lag(out) is None
    assert not coach.snapshot().started
    release.set()  # the judge finishes frame 0, then takes the newest frame left (1-3 were dropped)
    browser_wait(lambda: len(judged_times) >= 2)
    assert judged_times[:2] == [0.0, pytest.approx(4 / 30)]
    browser_wait(lambda: coach.snapshot().started)
    # From now on each frame is drawn with the newest result (the overlay's dark top panel).
    browser_wait(lambda: bench_stamp.decode_lag(coach.process(camera_frame(6)).to_ndarray(format="rgb24")) is not None)
    out = coach.process(camera_frame(7)).to_ndarray(format="rgb24")
    assert bench_stamp.decode_index(out) == (7, True) and bench_stamp.decode_lag(out) < 5000
    browser_wait(lambda: coach.snapshot().frames >= 3)
    assert coach.snapshot().phase == "countdown" and coach.snapshot().error is None
    # The stream ends: the judge thread stops, the model is released, the session pauses
    # (starting the camera again carries on); closing the page ends it and closes its log.
    judge = coach._mailbox._thread
    assert judge is not None and judge.is_alive()
    coach.on_stream_ended()
    assert not judge.is_alive() and coach._mailbox._thread is None
    assert coach.snapshot().paused == "camera stopped" and not coach.snapshot().log_closed
    coach.close()
    assert coach.snapshot().log_closed and coach.snapshot().paused is None


def browser_wait(condition: Any, timeout: float = 10.0) -> None:
    """Poll until `condition()` is true (the judge runs in its own thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_changing_the_routine_or_model_while_the_camera_runs_switches_the_coach(tmp_path: Path) -> None:
    estimators: list[ScriptedEstimator] = []

    def factory(options: Any) -> ScriptedEstimator:
        estimators.append(ScriptedEstimator(correct_figure_four))
        return estimators[-1]

    figure_four = stretch_routine(LIBRARY.stretches["seated_figure_four"], ("right",))
    coach = LiveCoach(figure_four, LIBRARY.stretches, log_dir=tmp_path, estimator_factory=factory)
    feed(coach, 9.0)
    assert coach.snapshot().held_s > 2.0
    assert coach.configure(figure_four, model="full") is None  # the same choice: nothing happens
    assert coach.snapshot().session_id == 1
    # Another stretch, camera still on: the session ends like Stop and the next frame starts the new one.
    twist = stretch_routine(LIBRARY.stretches["seated_piriformis_twist"], ("left",))
    ended = coach.configure(twist, log_side="left", model="full")
    assert ended is not None and ended.done and ended.stopped and ended.log_closed
    assert ended.results[0].stretch_id == "seated_figure_four" and ended.results[0].held_s > 2.0
    assert not coach.snapshot().started  # nothing claimed until the new routine's first frame
    feed(coach, 1.0, start=109.0)
    snap = coach.snapshot()
    assert snap.session_id == 2 and snap.stretch_id == "seated_piriformis_twist" and snap.side == "left"
    assert snap.phase == "countdown" and snap.held_s == 0.0 and snap.t < 1.0 and snap.error is None
    assert len(estimators) == 1  # same stream, same model
    # Another model: a new estimator too.
    assert coach.configure(twist, log_side="left", model="lite") is not None
    feed(coach, 0.5, start=111.0)
    assert len(estimators) == 2 and estimators[0].closed and coach.snapshot().session_id == 3
    from coach.session_log import load_session_log

    logs = sorted(tmp_path.glob("live_*.jsonl"))
    assert len(logs) == 3
    first = load_session_log(ended.log_path)  # closed, verified, with the summary
    assert first.summary["live"]["stopped_early"] and {f["stretch"] for f in first.frames} == {"seated_figure_four"}


def _old_file(path: Path, days: float, now: float, text: str = "{}\n") -> Path:
    """A file last written `days` ago."""
    if not path.exists():
        path.write_text(text)
    os.utime(path, (now - days * 86400, now - days * 86400))
    return path


def test_old_session_logs_are_pruned_but_never_one_in_progress(tmp_path: Path) -> None:
    from coach import retention

    now = time.time()
    logs = [_old_file(tmp_path / f"live_2026010{i}-120000_sciatica.jsonl", days, now)
            for i, days in enumerate([1, 2, 3, 4, 5, 200])]
    other = _old_file(tmp_path / "my_notes.jsonl", 400, now, "mine")
    # Written a minute ago, maybe by another app process: never deleted, but it counts.
    fresh = _old_file(tmp_path / "live_20260110-120000_sciatica.jsonl", 60 / 86400, now)
    in_progress = logs[4]  # untouched for 5 days, but open
    retention.register_open(in_progress)
    try:
        deleted = retention.prune_session_logs(tmp_path, retention.Retention(keep=3, max_age_days=90), now=now)
    finally:
        retention.unregister_open(in_progress)
    # Newest 3 are kept (fresh, 1 and 2 days); 3 and 4 days go (too many); 200 days goes (too old);
    # the open one and the file that is not a live log stay.
    assert sorted(p.name for p in deleted) == sorted(p.name for p in (logs[2], logs[3], logs[5]))
    assert all(p.exists() for p in (fresh, logs[0], logs[1], in_progress, other))
    # Age alone: keep=0 (no count limit) still deletes logs older than the limit.
    _old_file(logs[0], 100, now)
    assert retention.prune_session_logs(tmp_path, retention.Retention(keep=0, max_age_days=90), now=now) == [logs[0]]
    # Both limits off: nothing is ever deleted.
    _old_file(logs[1], 1000, now)
    assert retention.prune_session_logs(tmp_path, retention.Retention(keep=0, max_age_days=0), now=now) == []
    assert logs[1].exists()


def test_a_new_live_session_prunes_old_logs_but_keeps_its_own_and_other_tabs(tmp_path: Path) -> None:
    from coach.retention import Retention

    now = time.time()
    for i in range(5):
        _old_file(tmp_path / f"live_2025010{i}-120000_sciatica.jsonl", 30 + i, now)
    routine = stretch_routine(LIBRARY.stretches["seated_figure_four"], ("right",))
    other_tab = LiveCoach(routine, LIBRARY.stretches, log_dir=tmp_path,
                          estimator_factory=lambda options: ScriptedEstimator(correct_figure_four))
    feed(other_tab, 0.5)
    other_log = _old_file(Path(other_tab.snapshot().log_path), 120, now)  # open, though untouched for long
    coach = LiveCoach(routine, LIBRARY.stretches, log_dir=tmp_path, retention=Retention(keep=2, max_age_days=90),
                      estimator_factory=lambda options: ScriptedEstimator(correct_figure_four))
    feed(coach, 0.5)
    mine = Path(coach.snapshot().log_path)
    left = sorted(p.name for p in tmp_path.glob("live_*.jsonl"))
    # Newest two: this session's log and the 30-day-old one; the other tab's open log stays too.
    assert left == sorted([mine.name, other_log.name, "live_20250100-120000_sciatica.jsonl"])
    coach.stop()
    other_tab.stop()
    from coach.session_log import load_session_log

    assert load_session_log(mine).summary and load_session_log(other_log).summary


def test_session_log_retention_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.session_retention({}) == settings.Retention(keep=100, max_age_days=90)
    assert settings.session_retention({settings.KEEP_SESSIONS_ENV: "20", settings.KEEP_DAYS_ENV: "0"}) == \
        settings.Retention(keep=20, max_age_days=0)
    with pytest.raises(settings.SettingsError, match="STRETCH_COACH_KEEP_SESSIONS: must be a whole number"):
        settings.session_retention({settings.KEEP_SESSIONS_ENV: "lots"})
    with pytest.raises(settings.SettingsError, match="STRETCH_COACH_KEEP_DAYS: must be 0"):
        settings.session_retention({settings.KEEP_DAYS_ENV: "-3"})


def test_benchmark_stamps_are_off_by_default_and_read_back(tmp_path: Path) -> None:
    import av
    import cv2

    from coach.live import bench_stamp

    assert not settings.bench_stamp({}) and not settings.live_passthrough({})
    assert settings.bench_stamp({settings.BENCH_STAMP_ENV: "1"})
    routine = stretch_routine(LIBRARY.stretches["seated_figure_four"], ("right",))
    camera = np.full((480, 640, 3), 120, np.uint8)
    bench_stamp.mark_index(camera, 321)
    frame = av.VideoFrame.from_ndarray(camera, format="rgb24").reformat(format="yuv420p")
    plain = LiveCoach(routine, LIBRARY.stretches, estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))
    assert bench_stamp.decode_stamp(plain.process(frame).to_ndarray(format="rgb24")) is None
    for passthrough in (False, True):
        coach_class = live_coach_class(stamp=True, passthrough=passthrough)
        coach = coach_class(routine, LIBRARY.stretches, estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))
        before = int(time.time() * 1000) % (1 << 24)
        out = coach.process(frame).to_ndarray(format="rgb24")
        stamp = bench_stamp.decode_stamp(out)
        assert stamp is not None and 0 <= (stamp[0] - before) % (1 << 24) < 1000 and stamp[1] == 1
        # The camera's frame index reads back, mirrored by the coach or not (pass-through).
        assert bench_stamp.decode_index(out) == (321, not passthrough)
        small = cv2.resize(out, (480, 360), interpolation=cv2.INTER_AREA)
        assert bench_stamp.decode_stamp(small) == stamp
        coach.on_stream_ended()
    plain.on_stream_ended()


def test_live_panel_shows_what_to_do_the_hold_and_each_check(fake_camera: FakeWebRtc, tmp_path: Path) -> None:
    stretch = LIBRARY.stretches["seated_figure_four"]
    coach = LiveCoach(stretch_routine(stretch, ("right",)), LIBRARY.stretches, log_dir=tmp_path,
                      estimator_factory=lambda options: ScriptedEstimator(correct_figure_four))
    feed(coach, 9.0)
    fake_camera.playing = True
    at = live_page_for(coach)
    no_exception(at)
    page = texts(at)
    assert "Waiting for the camera" not in page
    assert "Hold 1 of 1: Seated figure-4 glute stretch, right side" in page
    assert "Good. Hold it." in page
    assert "aria-label='ok'" not in page  # the detailed check list is one click away, not in the way
    at.toggle(key="live_show_checks").set_value(True).run()
    page = texts(at)
    for check in stretch.checks:  # every check, judged ok, its description with the side filled in
        assert f"aria-label='ok'>✓</span> {html.escape(fill_sides(check.description, 'right'))} " in page
    assert "How to do it: Seated figure-4 glute stretch — right side" in page
    # The buttons reach the coach: Stop ends the session and the summary appears.
    at.button(key="live_stop").click().run()
    no_exception(at)
    assert coach.snapshot().done
    at.run()
    page = texts(at)
    assert "Your last session" in page
    assert any("Download the session log" in b.label for b in at.get("download_button"))
    table = at.dataframe[0].value
    assert list(table["Result"]) == ["ended early"] and float(table["Held correctly (s)"][0]) > 3.0
    # The same timelines as the Review page, from the session log just written.
    at.toggle(key="live_show_timelines").set_value(True).run()
    no_exception(at)
    assert len(at.get("vega_lite_chart")) == 1 + len(stretch.checks)


# ---------------------------------------------------------------- speech


@dataclass
class Snap:
    frames: int = 1
    phase: str | None = "countdown"
    slot_index: int = 0
    slot_label: str = "Seated figure-4 glute stretch, right side"
    stretch_id: str | None = "seated_figure_four"
    side: str | None = "right"
    instruction: str = ""
    hold_state: str | None = "waiting"
    held_s: float = 0.0
    target_s: float = 30.0
    correct: bool | None = False
    cue: str | None = None
    done: bool = False


def test_speech_says_nothing_before_the_first_frame_and_announces_the_hold() -> None:
    planner = SpeechPlanner()
    assert planner.update(Snap(frames=0), 0.0) is None
    assert planner.update(Snap(), 0.0) == "Get ready: Seated figure-4 glute stretch, right side"
    assert planner.update(Snap(), 1.0) is None


def test_speech_waits_for_a_stable_cue_keeps_a_cooldown_and_does_not_repeat_itself() -> None:
    planner = SpeechPlanner(cooldown_s=4.0, repeat_after_s=8.0, cue_stable_s=1.0)
    planner.update(Snap(), 0.0)  # "Get ready"
    cue = "Rest your right ankle on your left knee"
    said = []
    for step in range(0, 200):  # 20 s at 10 Hz, the same wrong pose
        now = 0.1 * step + 0.1
        text = planner.update(Snap(phase="hold", cue=cue), now)
        if text:
            said.append((round(now, 1), text))
    # "Go" when the countdown ends, then the cue once it was stable and the cooldown passed,
    # then the same cue again only every 8 s.
    assert said[0] == (4.0, "Go")
    cue_times = [t for t, text in said if text == cue]
    assert cue_times[0] == 8.0
    assert all(b - a >= 8.0 for a, b in zip(cue_times, cue_times[1:]))
    # A flickering cue (one frame) is never spoken.
    planner = SpeechPlanner()
    planner.update(Snap(phase="hold", cue=None), 0.0)
    planner.update(Snap(phase="hold", cue="Sit up tall"), 10.0)
    assert planner.update(Snap(phase="hold", cue=None, correct=True), 10.1) is None


def test_speech_stops_with_the_session() -> None:
    """After Stop the voice says "Session ended." once and no cue ever again, however long
    the camera keeps running (it used to repeat the last cue every 8 s)."""
    planner = SpeechPlanner()
    cue = "Turn side-on to the camera"
    said = [planner.update(Snap(phase="hold", cue=cue), 0.1 * step) for step in range(60)]
    assert cue in said
    ended = Snap(phase="done", cue=cue, done=True, hold_state=None)
    ended.stopped = True  # type: ignore[attr-defined]
    after = [planner.update(ended, 6.0 + 0.25 * step) for step in range(400)]  # 100 s of a running camera
    assert [text for text in after if text] == ["Session ended."]


def test_speech_milestones_ten_seconds_left_switch_sides_and_done() -> None:
    planner = SpeechPlanner()
    planner.update(Snap(phase="hold", hold_state="holding", held_s=5.0, correct=True), 0.0)
    assert planner.update(Snap(phase="hold", hold_state="holding", held_s=10.0, correct=True), 4.0) == \
        "Good. Hold it there."
    assert planner.update(Snap(phase="hold", hold_state="holding", held_s=20.5, correct=True), 15.0) == \
        "10 seconds left"
    rest = Snap(phase="rest", hold_state=None, instruction="Rest, then switch to the left side", correct=None)
    assert planner.update(rest, 31.0) == "Rest, then switch to the left side"
    assert planner.update(Snap(slot_index=1, side="left", slot_label="x, left side"), 41.0) == \
        "Switch to the left side"
    assert planner.update(Snap(done=True, phase="done"), 50.0) == "Routine complete. Well done."
    planner.reset()
    planner.update(Snap(), 0.0)
    stopped = Snap(done=True, phase="done")
    stopped.stopped = True  # type: ignore[attr-defined]
    assert planner.update(stopped, 10.0) == "Session ended."


def test_speak_js_speaks_once_per_id() -> None:
    js = speak_js('Say "this"', 7)
    assert "speechSynthesis.speak" in js and '"id": 7' in js and 'Say \\"this\\"' in js


def test_target_words() -> None:
    assert target_words(15, 75, "°") == "between 15 and 75°"
    assert target_words(0.28, None, "× torso") == "at least 0.28 trunk lengths"
    assert target_words(None, 25, "°") == "at most 25°"
    assert target_words(-0.75, 0.5, "× other shin") == "between -0.75 and 0.5 shin lengths"
    # Every unit the stretch files use reads as plain words, not the engine's names for the legs.
    for stretch in LIBRARY.stretches.values():
        for check in (*stretch.checks, *(stretch.start.checks if stretch.start else ())):
            words = target_words(1.0, None, check.unit)
            assert not any(w in words for w in ("×", "_", "working", "other")), (stretch.id, check.id, words)


# ---------------------------------------------------------------- stretches page


def test_stretches_page_lists_every_stretch_with_its_checks_targets_and_cues() -> None:
    at = app("stretches")
    no_exception(at)
    assert sorted(h.value for h in at.header) == sorted(s.name for s in LIBRARY.stretches.values())
    assert len(LIBRARY.stretches) == 3
    page = texts(at)
    for stretch in LIBRARY.stretches.values():
        assert stretch.view_advice in page
        for check in stretch.checks:
            side = "right" if stretch.has_sides else None
            assert check.description.format(working=side, other="left") in page if side else check.description in page
            assert check.why in page
        for caution in stretch.cautions:
            assert caution in page
        # What the camera cannot see from the advised view, for the person to check.
        assert stretch.check_yourself
        for text in stretch.check_yourself:
            assert fill_sides(text, "right" if stretch.has_sides else None) in page
    assert page.count("What the camera cannot check: check it yourself") == len(LIBRARY.stretches)
    # Every target in plain words ("at least 0.28 trunk lengths", "between 12 and 75°", ...).
    for stretch in LIBRARY.stretches.values():
        for check in stretch.checks:
            assert target_words(check.target.min, check.target.max, check.unit) in page
    assert "trunk lengths" in page and "× torso" not in page
    # The common mistakes are the cues, e.g. downward dog's "Turn side-on to the camera".
    side_on = next(c for c in LIBRARY.stretches["downward_dog"].checks if c.id == "side_on")
    assert f"“{side_on.cue_high}”" in page


# ---------------------------------------------------------------- review page


def test_review_without_sample_videos_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(settings, "SAMPLE_VIDEOS_DIR", tmp_path / "none")
    at = app("review")
    at.radio(key="review_source").set_value("Use a sample video").run()
    no_exception(at)
    assert any("no sample videos yet" in i.value for i in at.info)
    assert at.button(key="review_go").disabled


def test_review_lists_the_sample_videos(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       astronaut_video: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "astronaut_sample.mp4").write_bytes(astronaut_video.read_bytes())
    (samples / "astronaut_sample.truth.json").write_text("{}")
    monkeypatch.setattr(settings, "SAMPLE_VIDEOS_DIR", samples)
    at = app("review")
    at.radio(key="review_source").set_value("Use a sample video").run()
    no_exception(at)
    assert at.selectbox(key="review_sample").options == ["astronaut_sample.mp4"]
    assert at.selectbox(key="review_sample").value == samples / "astronaut_sample.mp4"
    assert any("astronaut_sample.mp4: 640×480" in c.value for c in at.caption)
    assert not any("The picture is small" in c.value for c in at.caption)  # a webcam's size is enough
    assert not at.button(key="review_go").disabled


def test_review_analyses_an_uploaded_video(astronaut_video: Path, data_dir: Path) -> None:
    at = app("review")
    at.file_uploader(key="review_upload").upload("my stretch.mp4", astronaut_video.read_bytes(), "video/mp4")
    at.run()
    no_exception(at)
    assert not at.error
    assert any("my stretch.mp4: 640×480, 2.0 s at 15 fps" in c.value for c in at.caption)
    at.selectbox(key="review_stretch").set_value("seated_figure_four").run()
    at.selectbox(key="review_side").set_value("right")
    at.button(key="review_go").click().run(timeout=ANALYSIS_TIMEOUT_S)
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any("Analysed 30 frames" in s.value for s in at.success)
    assert "Summary" in [s.value for s in at.subheader]
    table = at.dataframe[0].value
    assert list(table["Stretch"]) == ["Seated figure-4 glute stretch"] and list(table["Side"]) == ["right"]
    labels = {b.label for b in at.get("download_button")}
    assert {"Session log (.jsonl)", "Measurements (.csv)", "Annotated video (.mp4)"} <= labels
    assert len(at.get("vega_lite_chart")) == 1 + len(LIBRARY.stretches["seated_figure_four"].checks)
    assert list((data_dir / "analyses").glob("*_session.jsonl"))


def test_review_warns_when_an_uploaded_video_is_truncated(data_dir: Path) -> None:
    sample = Path(APP).resolve().parent / "sample_videos" / "downward_dog.mp4"
    at = app("review")
    # The first 20 kB of a 21.5 s clip: it opens, but only its start can be decoded.
    at.file_uploader(key="review_upload").upload("cut.mp4", sample.read_bytes()[:20_000], "video/mp4")
    at.run()
    at.selectbox(key="review_stretch").set_value("downward_dog").run()
    at.button(key="review_go").click().run(timeout=ANALYSIS_TIMEOUT_S)
    no_exception(at)
    assert not at.success, "a truncated video is not reported as a plain success"
    warning = " ".join(w.value for w in at.warning)
    assert "cut.mp4: the video ended early" in warning.replace("\\", "")
    assert re.search(r"\d+\.\d s of 21\.\d s", warning.replace("\\", "")), warning  # both lengths


def test_review_rejects_files_that_are_not_videos() -> None:
    at = app("review")
    at.file_uploader(key="review_upload").upload("notes.txt", b"just some text", "text/plain")
    at.run()
    no_exception(at)
    assert any("“notes.txt” is not a video this app can read" in e.value for e in at.error), at.error
    at.file_uploader(key="review_upload").clear().upload("holiday.mp4", b"\x00\x01 not really a video" * 50,
                                                         "video/mp4")
    at.run()
    no_exception(at)
    assert any("“holiday.mp4” cannot be used" in e.value and "not a video file that can be read" in e.value
               for e in at.error), [e.value for e in at.error]
    assert at.button(key="review_go").disabled


def test_review_opens_a_valid_session_log(session_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.ui import review_page

    reads: list[Path] = []
    real_load = review_page.load_session_log

    def counted_load(path: Path, **kwargs: Any) -> Any:
        reads.append(path)
        return real_load(path, **kwargs)

    monkeypatch.setattr(review_page, "load_session_log", counted_load)
    at = app("review")
    at.file_uploader(key="log_upload").upload("patient.jsonl", session_log.read_bytes(), "application/jsonl")
    at.run(timeout=60)
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    page = texts(at)
    assert "Analysis of astronaut.mp4" in page
    table = at.dataframe[0].value
    assert list(table["Stretch"]) == ["Seated figure-4 glute stretch"]
    summary = json.loads(session_log.with_name(session_log.name.replace("_session.jsonl", "_summary.json"))
                         .read_text())
    assert float(table["Held correctly (s)"][0]) == pytest.approx(summary["holds"][0]["held_s"], abs=0.05)
    assert "Skeleton replay" in [s.value for s in at.subheader]
    assert at.get("image"), "the skeleton replay picture"
    at.slider[0].set_value(1.0).run()
    no_exception(at)
    at.slider[0].set_value(2.0).run()
    assert len(reads) == 1, "moving the replay slider must not read the log again"


@pytest.mark.parametrize(
    ("name", "mangle", "message"),
    [
        ("edited.jsonl", lambda lines: lines[:2] + [lines[2].replace('"correct":false', '"correct":true')]
         + lines[3:], "checksum does not match"),
        ("garbage.jsonl", lambda lines: ["this is not json"], "not a session log"),
        ("cut.jsonl", lambda lines: lines[:5], "no end record"),
    ],
)
def test_review_refuses_a_tampered_or_broken_log(session_log: Path, name: str, mangle: Any, message: str) -> None:
    lines = session_log.read_text(encoding="utf-8").splitlines()
    mangled = "\n".join(mangle(lines)) + "\n"
    assert mangled != session_log.read_text(encoding="utf-8")
    at = app("review")
    at.file_uploader(key="log_upload").upload(name, mangled.encode(), "application/jsonl")
    at.run()
    no_exception(at)
    errors = [e.value for e in at.error]
    assert any(e.startswith("This session log cannot be opened:") and message in e and name in e
               for e in errors), errors
    assert "/tmp" not in " ".join(errors)  # the file's own name, not where we stored it
    assert not at.dataframe


def test_review_recovers_a_crashed_session_log_when_asked(session_log: Path) -> None:
    lines = session_log.read_text(encoding="utf-8").splitlines()
    at = app("review")
    at.checkbox(key="log_recover").check()
    at.file_uploader(key="log_upload").upload("crashed.jsonl", ("\n".join(lines[:12]) + "\n").encode())
    at.run(timeout=60)
    no_exception(at)
    assert any("Incomplete log" in w.value for w in at.warning)
    assert at.dataframe


def test_the_panel_html_says_what_to_do_and_escapes_what_it_shows() -> None:
    from coach.live import CheckRow, LiveSnapshot
    from coach.ui.panel_html import checks_html, now_box_html

    wrong = CheckRow("knee_down", "Knee <b>down</b> & out", "too_high", 0.31, "× torso", "≤ 0.08",
                     "Press the knee down", target_min=None, target_max=0.08)
    hidden = CheckRow("ankle", "Ankle on the knee", "not_visible", None, "× torso", "≤ 0.45", None,
                      target_min=None, target_max=0.45)
    holding = LiveSnapshot(frames=30, phase="hold", slot_index=0, slot_count=2, slot_label="Figure-4, right side",
                           held_s=12.34, target_s=30.0, correct=False, cue="Press the <knee> down",
                           hold_state="paused", checks=(wrong, hidden), people_in_view=2)
    box = now_box_html(holding)
    assert "Hold 1 of 2: Figure-4, right side" in box
    assert "data-kind='warning'" in box and "Press the &lt;knee&gt; down" in box  # the cue, escaped
    assert "12.3 s held of 30 s · paused: the pose is not correct" in box
    assert "aria-valuenow='41'" in box and "width:41.1%" in box
    assert "Someone else is in view" in box
    checks = checks_html(holding)
    assert "aria-label='needs correcting'>✗</span> Knee &lt;b&gt;down&lt;/b&gt; &amp; out" in checks
    assert "aria-label='not seen'>◌</span> Ankle on the knee" in checks
    assert checks.count("target: at most") == 2 and "<b>" not in checks

    good = replace(holding, correct=True, held_s=31.0, people_in_view=1)
    assert "Good. Hold it." in now_box_html(good) and "width:100.0%" in now_box_html(good)
    assert "tabular-nums'>30<span" in now_box_html(good)  # the big timer never shows more than the target
    assert "data-kind='depth'" in now_box_html(good)  # all gates hold: the depth cue is advice, the time counts
    assert "Someone else" not in now_box_html(good)
    done = replace(holding, done=True, stopped=True)
    assert now_box_html(done).startswith("<div data-kind='success'") and "Session ended." in now_box_html(done)
    assert "Routine complete" in now_box_html(replace(done, stopped=False))
    countdown = replace(holding, phase="countdown", phase_remaining_s=2.2, cue=None)
    assert "Get ready: 3" in now_box_html(countdown)


def test_a_frame_still_being_judged_when_the_stream_ends_starts_nothing(tmp_path: Path) -> None:
    """Stop pressed while the model is still busy with the first frame (on a busy machine, starting
    the model's process takes seconds): that frame must not start a session nor a log nobody closes."""
    import threading
    from fractions import Fraction

    import av

    entered, release = threading.Event(), threading.Event()

    class BusyEstimator(ScriptedEstimator):
        def process(self, rgb: np.ndarray, t: float) -> PoseResult:
            entered.set()
            release.wait(10.0)
            return super().process(rgb, t)

    coach = LiveCoach(stretch_routine(LIBRARY.stretches["seated_figure_four"], ("right",)), LIBRARY.stretches,
                      log_dir=tmp_path, estimator_factory=lambda options: BusyEstimator(correct_figure_four))
    coach._mailbox.join_timeout_s = 0.05  # the end of the stream gives up waiting for the judge at once
    frame = av.VideoFrame.from_ndarray(np.full((480, 640, 3), 60, np.uint8), format="rgb24")
    frame.pts, frame.time_base = 0, Fraction(1, 90000)
    coach.process(frame)
    assert entered.wait(10.0)
    ender = threading.Thread(target=coach.on_stream_ended)
    ender.start()
    deadline = time.monotonic() + 10.0
    while coach.snapshot().stream_active is not False or coach.snapshot().updated_at == 0.0:
        assert time.monotonic() < deadline, "the stream never ended"
        time.sleep(0.01)
    release.set()  # the model answers only now, after the stream ended
    ender.join(10.0)
    assert not ender.is_alive()
    snap = coach.snapshot()
    assert not snap.stream_active and snap.frames == 0 and snap.session_id == 0
    assert list(tmp_path.glob("*.jsonl")) == []


def test_review_results_say_the_person_was_small_for_the_figure_four(data_dir: Path, tmp_path: Path) -> None:
    """Beside a short hold, the results say why it may be short: the person was smaller in the
    video than the figure-4 needs (its `min_person_height_px`), measured over the whole video."""
    source = VideoFileSource(Path(APP).resolve().parent / "sample_videos" / "seated_figure_four_right.mp4")
    clip, size = tmp_path / "far away.mp4", (288, 216)
    with AnnotatedVideoWriter(clip, source.info.fps, size) as writer:
        for frame in source:
            if 8.0 <= frame.timestamp_s < 11.0:
                writer.write(cv2.resize(frame.rgb, size, interpolation=cv2.INTER_AREA))
    at = app("review")
    at.file_uploader(key="review_upload").upload("far away.mp4", clip.read_bytes(), "video/mp4")
    at.run()
    at.selectbox(key="review_stretch").set_value("seated_figure_four").run()
    at.button(key="review_go").click().run(timeout=ANALYSIS_TIMEOUT_S)
    no_exception(at)
    notes = [i.value for i in at.info if "tall in the picture" in i.value]
    assert len(notes) == 1 and "seated figure-4 glute stretch is read less reliably below about 145 px" in notes[0]
    # The same note where a therapist opens the session log the analysis wrote.
    log = next((data_dir / "analyses").glob("*_session.jsonl"))
    at = app("review")
    at.file_uploader(key="log_upload").upload("patient.jsonl", log.read_bytes(), "application/jsonl")
    at.run(timeout=60)
    no_exception(at)
    assert [i.value for i in at.info if "tall in the picture" in i.value] == notes
