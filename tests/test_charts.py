"""The Review/Live timelines read without a key to decode them: a legend, a target band that
never mixes with the red/green verdict, and the hold line visibly paused while not counting.

The records come from a real session log written by the real live engine (only the pose model
is scripted): correct, then a mistake from 12 s to 16 s, then correct again.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import vl_convert as vlc
from PIL import Image

from coach.live import LiveCoach
from coach.routine import stretch_routine
from coach.session_log import SessionLog, load_session_log
from coach.stretches import load_library
from coach.ui import charts
from live_doubles import ScriptedEstimator, feed

synthetic = pytest.importorskip("synthetic_cases")

LIBRARY = load_library()
FIGURE_FOUR = LIBRARY.stretches["seated_figure_four"]
MISTAKE_FROM_S, MISTAKE_TO_S = 12.0, 16.0


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> SessionLog:
    from coachlab.synthetic.body import BodyProportions

    body = BodyProportions.average_female()
    mistake = next(m for m in synthetic.MISTAKES if m.stretch_id == "seated_figure_four" and m.name == "leg not crossed")

    def landmarks(t: float) -> Any:  # t: the stream's clock, which starts at 0 with the first frame
        pose = mistake.build(body) if MISTAKE_FROM_S <= t < MISTAKE_TO_S else synthetic.CORRECT["seated_figure_four"](body)
        return synthetic.landmarks_for(pose, body, "seated_figure_four", "right", timestamp_s=t)

    coach = LiveCoach(stretch_routine(FIGURE_FOUR, ("right",)), LIBRARY.stretches,
                      log_dir=tmp_path_factory.mktemp("logs"), estimator_factory=lambda o: ScriptedEstimator(landmarks))
    feed(coach, 22.0)
    path = coach.snapshot().log_path
    coach.close()
    loaded = load_session_log(path, allow_incomplete=True)
    states = {f["hold"]["state"] for f in loaded.frames}
    assert {"holding", "paused"} <= states, states  # the log really has a paused stretch
    return loaded


def group(log: SessionLog) -> charts.HoldGroup:
    return charts.hold_groups(log.frames)[0]


def shin_level(log: SessionLog) -> dict[str, Any]:
    return next(i for i in charts.check_infos(log.header, "seated_figure_four") if i["id"] == "shin_level")


def layers(chart: Any) -> list[dict[str, Any]]:
    return chart.to_dict()["layer"]


def rows(chart: Any, layer: dict[str, Any]) -> list[dict[str, Any]]:
    return chart.to_dict()["datasets"][layer["data"]["name"]]


def colour_of(layer: dict[str, Any], key: str) -> str:
    scale = layer["encoding"]["color"]["scale"]
    return scale["range"][scale["domain"].index(key)]


def vega_legend_entries(chart: Any) -> set[str]:
    """The entries of the legends Vega actually draws (compiled as the browser compiles it)."""
    vega = vlc.vegalite_to_vega(chart.to_json())
    assert vega.get("legends"), "the chart draws no legend"
    scales = {s["name"]: s for s in vega["scales"]}
    entries: set[str] = set()
    for legend in vega["legends"]:
        scale = scales[legend.get("fill") or legend.get("stroke")]
        entries |= set(scale["domain"])
    return entries


def test_check_chart_has_a_legend_for_the_verdict_and_the_target_band(log: SessionLog) -> None:
    chart = charts.check_chart(group(log).frames, shin_level(log), "right")
    entries = vega_legend_entries(chart)
    assert {"pose correct", "pose not correct", "countdown", "target range"} <= entries


def test_hold_chart_has_a_legend_for_the_verdict_and_the_timer(log: SessionLog) -> None:
    entries = vega_legend_entries(charts.hold_chart(group(log).frames))
    assert {"pose correct", "pose not correct", "timer counting", "timer not counting"} <= entries


def test_the_target_band_has_its_own_colour_and_the_verdict_stays_in_a_strip(log: SessionLog) -> None:
    chart = charts.check_chart(group(log).frames, shin_level(log), "right")
    verdict = next(la for la in layers(chart) if "x2" in la["encoding"])
    band = next(la for la in layers(chart) if "y2" in la["encoding"] and "field" in la["encoding"]["y2"])
    verdict_colours = {colour_of(verdict, k).lower() for k in ("pose correct", "pose not correct", "countdown")}
    assert colour_of(band, "target range").lower() not in verdict_colours
    # The verdict is drawn in pixels at the top, not as shading over the whole height.
    assert verdict["encoding"]["y"] == {"value": 0} and verdict["encoding"]["y2"]["value"] <= 12
    wrong = [r for r in rows(chart, verdict) if r["key"] == "pose not correct"]
    assert wrong and wrong[0]["start"] == pytest.approx(MISTAKE_FROM_S, abs=0.3)


def test_red_never_mixes_with_the_band_in_the_picture(log: SessionLog) -> None:
    """Rendered: every reddish pixel lies in one thin strip of rows (none blended into the plot)."""
    chart = charts.check_chart(group(log).frames, shin_level(log), "right").properties(width=500)
    png = np.asarray(Image.open(io.BytesIO(vlc.vegalite_to_png(chart.to_json()))).convert("RGB")).astype(int)
    reddish = (png[..., 0] - np.maximum(png[..., 1], png[..., 2])) > 20
    red_rows = np.flatnonzero(reddish.sum(axis=1) > 20)  # rows crossing the 4 s of mistake (not the legend swatch)
    assert len(red_rows), "no red drawn for the 4 s with the leg not crossed"
    assert red_rows.max() - red_rows.min() < charts.STRIP_PX + 2, red_rows


def test_the_hold_line_is_grey_and_dashed_while_the_timer_is_not_counting(log: SessionLog) -> None:
    frames = group(log).frames
    chart = charts.hold_chart(frames)
    line = next(la for la in layers(chart) if la["mark"]["type"] == "line")
    data = rows(chart, line)
    paused = [r for r in data if r["state"] == "paused"]
    counting = [r for r in data if r["state"] == "holding"]
    assert paused and counting
    # Every paused moment is drawn as "not counting" (a counting run may only end on one).
    assert {r["t"] for r in paused} <= {r["t"] for r in data if r["key"] == "timer not counting"}
    assert colour_of(line, "timer not counting") != colour_of(line, "timer counting")
    assert colour_of(line, "timer not counting").lower() != charts.OK_COLOUR.lower()
    dash = line["encoding"]["strokeDash"]["scale"]
    assert dash["range"][dash["domain"].index("timer not counting")] != \
        dash["range"][dash["domain"].index("timer counting")]
    # Segments are joined: each one starts where the one before ended.
    by_segment: dict[int, list[dict[str, Any]]] = {}
    for r in data:
        by_segment.setdefault(r["segment"], []).append(r)
    ordered = [by_segment[k] for k in sorted(by_segment)]
    assert len(ordered) >= 3  # waiting, counting, paused, counting
    for before, after in zip(ordered, ordered[1:]):
        assert before[-1]["t"] == after[0]["t"] and before[-1]["key"] != after[0]["key"]
    for segment in ordered:
        if segment[0]["key"] == "timer counting":
            assert all(r["state"] == "holding" for r in segment[:-1])
    assert json.loads(chart.to_json())  # and the spec is plain JSON for the browser


def test_charts_still_draw_for_a_log_with_no_hold_frames_left(log: SessionLog, tmp_path: Path) -> None:
    countdown = [f for f in group(log).frames if f.get("phase") == "countdown"]
    assert countdown
    vlc.vegalite_to_png(charts.hold_chart(countdown).to_json())
    vlc.vegalite_to_png(charts.check_chart(countdown, shin_level(log), "right").to_json())
