"""During the start phase the panel's check list and the skeleton's colours are the start
position's checks, not the stretch's (issues 13 and 14), for live and `coach analyze` alike.

Driven with the synthetic body through the real routine runner, `judge_frame` (what the live
coach and `coach analyze` both call) and the real overlay: a person sits tall, then crosses the
right leg into the figure-4.
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_cases import CORRECT, landmarks_for
from test_charts import vega_legend_entries

from coach.judged_frame import JudgedFrame, judge_frame
from coach.landmarks import Landmarks
from coach.live.snapshot import LiveSnapshot
from coach.overlay import OK_GREEN, WRONG_RED, Overlay
from coach.routine import Phase, RoutineRunner
from coach.stretches import Routine, RoutineStep, load_library
from coach.tracker import TrackerSettings
from coach.ui import charts
from coach.ui.panel_html import checks_html
from coach.ui.words import STATUS_MARK
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyProportions
from coachlab.synthetic.sequences import interpolate_poses

LIBRARY = load_library()
BODY = BodyProportions.average_female()
FPS = 15.0
FIGURE_FOUR = "seated_figure_four"
STRETCH = LIBRARY.stretches[FIGURE_FOUR]
assert STRETCH.start is not None
START_IDS = [c.id for c in STRETCH.start.checks]
STRETCH_IDS = [c.id for c in STRETCH.checks]
#: Landmark indices of the knees (MediaPipe's pose landmarks).
KNEES = (25, 26)


class Reading:
    def __init__(self, landmarks: Landmarks | None) -> None:
        self.landmarks, self.people_in_view, self.second_person = landmarks, int(landmarks is not None), False


def sitting_then_crossing(sit_until: float):  # type: ignore[no-untyped-def]
    neutral, crossed = sp.seated_neutral(BODY), CORRECT[FIGURE_FOUR](BODY)

    def at(t: float) -> Landmarks:
        share = min(1.0, max(0.0, (t - sit_until) / 1.0))
        return landmarks_for(interpolate_poses(neutral, crossed, share), BODY, FIGURE_FOUR, "right",
                             timestamp_s=t, noise_px=1.0)

    return at


def run(person, until: float, countdown_s: float = 1.0, start_timeout_s: float | None = None) -> list[JudgedFrame]:  # type: ignore[no-untyped-def]
    routine = Routine("one", "One hold", "", countdown_s, (RoutineStep(FIGURE_FOUR, ("right",), 1, 5.0, 0.0),))
    settings = TrackerSettings() if start_timeout_s is None else TrackerSettings(start_timeout_s=start_timeout_s)
    runner = RoutineRunner(routine, LIBRARY.stretches, settings)
    frames = []
    for t in np.arange(0.0, until, 1.0 / FPS):
        frames.append(judge_frame(runner, Reading(person(float(t))), float(t)))
        if runner.phase is Phase.DONE:
            break
    return frames


@pytest.fixture(scope="module")
def frames() -> list[JudgedFrame]:
    # Sits tall through the countdown and the start phase (START_SETTLE_S once seen), then crosses.
    return run(sitting_then_crossing(sit_until=3.0), until=14.0)


def by_phase(frames: list[JudgedFrame], phase: Phase) -> list[JudgedFrame]:
    return [f for f in frames if f.status.phase is phase]


def test_the_start_phase_lists_the_start_checks_and_the_hold_the_stretchs(frames: list[JudgedFrame]) -> None:
    start, hold = by_phase(frames, Phase.START), by_phase(frames, Phase.HOLD)
    assert start and hold
    for frame in start:
        assert [r.check_id for r in frame.checks] == START_IDS
        assert frame.verdict is not None and [c.check_id for c in frame.verdict.checks] == START_IDS
    # Sitting tall: every start check holds, so the list is all ticks (the stretch's would be crosses).
    assert all(r.ok for r in start[-1].checks)
    assert not start[-1].status.update.verdict.correct  # type: ignore[union-attr]
    descriptions = {c.id: c.description for c in STRETCH.start.checks}  # type: ignore[union-attr]
    assert [r.description for r in start[-1].checks] == [descriptions[i] for i in START_IDS]
    # The panel's HTML lists them too.
    html = checks_html(LiveSnapshot(checks=start[-1].checks))
    assert "Feet apart, at about hip width" in html and STATUS_MARK["ok"][0] in html
    for frame in hold:
        assert [r.check_id for r in frame.checks] == STRETCH_IDS
        assert frame.verdict is frame.status.update.verdict  # type: ignore[union-attr]
    # The countdown before the start phase shows the stretch's checks (as before).
    countdown = by_phase(frames, Phase.COUNTDOWN)
    assert countdown and all([r.check_id for r in f.checks] == STRETCH_IDS for f in countdown)


def test_a_start_position_not_yet_taken_lists_what_is_wrong_with_it() -> None:
    """Standing: the start checks fail and the rows say which, with the start position's cues."""
    standing = sp.standing(BODY)
    frames = run(lambda t: landmarks_for(standing, BODY, FIGURE_FOUR, "right", timestamp_s=t),
                 until=3.0, countdown_s=0.0, start_timeout_s=60.0)
    start = by_phase(frames, Phase.START)
    assert len(start) == len(frames)
    rows = start[-1].checks
    assert [r.check_id for r in rows] == START_IDS and not all(r.ok for r in rows)
    assert start[-1].status.update.cue == "Sit down on the chair"  # type: ignore[union-attr]
    start_cues = {c.cue_low for c in STRETCH.start.checks} | {c.cue_high for c in STRETCH.start.checks}  # type: ignore[union-attr]
    assert {r.cue for r in rows if not r.ok} <= start_cues


def _knee_colours(frame: JudgedFrame) -> list[tuple[int, int, int]]:
    """The colours the overlay draws at the knees (the skeleton's joint dots)."""
    height, width = 480, 640
    picture = Overlay().render_judged(np.zeros((height, width, 3), np.uint8), frame)
    assert frame.update is not None
    xy = frame.update.landmarks.image[:, :2] * np.array([width, height])  # type: ignore[union-attr]
    return [tuple(int(v) for v in picture[int(round(xy[i, 1])), int(round(xy[i, 0]))]) for i in KNEES]  # type: ignore[misc]


def test_the_skeleton_is_coloured_by_the_start_checks_then_by_the_stretchs(frames: list[JudgedFrame]) -> None:
    """Sitting tall in the start phase: the knees are green (the start position holds), although
    the figure-4 they are not yet in would colour them red; once the hold begins, red."""
    start = by_phase(frames, Phase.START)[-1]
    assert _knee_colours(start) == [OK_GREEN, OK_GREEN]
    first_hold = by_phase(frames, Phase.HOLD)[0]
    assert first_hold.update is not None and not first_hold.update.verdict.correct
    assert WRONG_RED in _knee_colours(first_hold)


def test_the_review_timeline_labels_start_frames_start_position(frames: list[JudgedFrame]) -> None:
    records = [f.record for f in frames if f.record is not None]
    periods = charts.correct_periods(records)
    starts = periods[periods["state"] == charts.START]
    start_times = [f.t for f in by_phase(frames, Phase.START)]
    assert len(starts) == 1
    assert starts["start"].iloc[0] == pytest.approx(start_times[0], abs=0.002)  # records keep ms
    assert starts["end"].iloc[0] == pytest.approx(start_times[-1] + 1.0 / FPS, abs=0.002)
    assert "countdown" in set(periods["state"])  # the countdown before it stays the countdown
    chart = charts.hold_chart(records)
    assert "start position" in vega_legend_entries(chart)
    strip = next(layer for layer in chart.to_dict()["layer"] if "x2" in layer["encoding"])
    scale = strip["encoding"]["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"]))
    others = {colours[k] for k in ("countdown", "pose correct", "pose not correct")}
    assert colours["start position"] not in others
