"""The Review/Live timelines label a set-up step's frames "set-up", not "countdown" (issue 14).

The log is a real live session written by the real engine (only the pose model is scripted:
nobody in view): the sciatica routine's chair holds skipped, 20 s of set-up for the downward
dog, Ready, then its countdown, its start position and its hold.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from live_doubles import feed
from test_charts import vega_legend_entries
from test_setup_ready import at_setup

from coach.session_log import SessionLog, load_session_log
from coach.ui import charts


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> SessionLog:
    coach = at_setup(tmp_path_factory.mktemp("logs"))  # set-up from t=101 to t=121
    coach.ready()
    # the 5 s countdown, the start position (nobody in view: waited for up to 10 s), the hold
    feed(coach, 17.0, start=121.0)
    path = coach.snapshot().log_path
    coach.stop()
    return load_session_log(path)


def test_set_up_frames_are_labelled_set_up_and_the_countdown_stays_the_countdown(log: SessionLog) -> None:
    dog = next(g for g in charts.hold_groups(log.frames) if g.stretch_id == "downward_dog")
    phases = {f["phase"] for f in dog.frames}
    assert {"setup", "countdown", "hold"} <= phases
    periods = charts.correct_periods(dog.frames)
    spans = {state: (rows["start"].min(), rows["end"].max(), (rows["end"] - rows["start"]).sum())
             for state, rows in periods.groupby("state")}
    setup_start, setup_end, setup_s = spans["set-up"]
    assert setup_s == pytest.approx(20.0, abs=0.3)  # the whole set-up, nothing else
    countdown_start, _, countdown_s = spans["countdown"]
    assert countdown_s == pytest.approx(5.0, abs=0.3) and countdown_start >= setup_end - 1e-6
    setup_times = {f["t"] for f in dog.frames if f["phase"] == "setup"}
    countdown_rows = periods[periods["state"] == "countdown"]
    assert not any(((countdown_rows["start"] <= t) & (t < countdown_rows["end"])).any() for t in setup_times)

    frames = dog.frames
    info = charts.check_infos(log.header, "downward_dog")[0]
    for chart in (charts.hold_chart(frames), charts.check_chart(frames, info, None)):
        entries = vega_legend_entries(chart)
        assert {"set-up", "countdown"} <= entries
        strip = next(la for la in chart.to_dict()["layer"] if "x2" in la["encoding"])
        scale = strip["encoding"]["color"]["scale"]
        colours = dict(zip(scale["domain"], scale["range"]))
        assert colours["set-up"] not in (colours["countdown"], colours["pose correct"], colours["pose not correct"])


def test_a_hold_without_a_set_up_step_has_no_set_up_in_its_legend(log: SessionLog) -> None:
    twist = charts.hold_groups(log.frames)[0]
    assert twist.stretch_id == "seated_piriformis_twist" and {f["phase"] for f in twist.frames} == {"countdown"}
    assert "set-up" not in vega_legend_entries(charts.hold_chart(twist.frames))
