"""Charts and pictures made from session-log records (no Streamlit here).

* `hold_groups`: frame records split into holds (stretch, side, rep) in order;
* `check_chart`: one checked measurement over time, its target band shaded, and a
  strip along the top: the periods the whole pose was correct / not correct;
* `hold_chart`: the hold timer accumulating over time (dashed grey while not counting),
  with the target and the same strip; every chart has its legend under it;
* `hold_rows`: holds as table rows in plain words (Live and Review);
* `draw_skeleton`: one frame's stored landmarks drawn on a blank canvas,
  joints coloured by the stored check statuses (landmark-only replay).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from coach.measurements import BodyContext, nearer_side
from coach.overlay import NEUTRAL, OK_GREEN, UNSEEN_GREY, WRONG_RED, SkeletonAnnotator, joint_colours, put_text
from coach.session_log import landmarks_from_record
from coach.stretches import Stretch, Target, fill_sides
from coach.verdicts import CheckStatus, check_joints
from coach.ui.words import target_words, unit_words



def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


# The live overlay's colours, so a chart reads like the video.
OK_COLOUR = _hex(OK_GREEN)
WRONG_COLOUR = _hex(WRONG_RED)
#: The target band: blue, a colour neither the verdict nor the hold line uses.
BAND_COLOUR = "#4c78a8"
COUNTDOWN_COLOUR = "#c8c8c8"
SETUP_COLOUR = "#e3b95f"  # amber: waiting for the person to move the laptop, not a verdict
START_COLOUR = "#c9b3e0"  # lilac: the start position (sitting tall, hands and knees), not the stretch's verdict
REST_COLOUR = "#a9c8e0"
#: The hold line while the timer is not counting (dashed as well as grey).
STOPPED_COLOUR = "#8c8c8c"


@dataclass(frozen=True)
class HoldGroup:
    stretch_id: str
    side: str | None
    rep: int
    frames: list[dict[str, Any]]

    def label(self, header: dict[str, Any]) -> str:
        name = header.get("stretches", {}).get(self.stretch_id, {}).get("name", self.stretch_id)
        side = f", {self.side} side" if self.side else ""
        rep = f" (set {self.rep})" if self.rep > 1 else ""
        return f"{name}{side}{rep}"


def hold_groups(frames: list[dict[str, Any]]) -> list[HoldGroup]:
    """Frame records grouped by stretch, side and rep, in order of first appearance."""
    groups: dict[tuple[str, str | None, int], list[dict[str, Any]]] = {}
    for frame in frames:
        key = (frame["stretch"], frame.get("side"), int(frame.get("rep", 1)))
        groups.setdefault(key, []).append(frame)
    return [HoldGroup(k[0], k[1], k[2], v) for k, v in groups.items()]


#: Line charts draw at most this many points (long holds are thinned; periods use every frame).
MAX_POINTS = 1500


def thin(frames: list[dict[str, Any]], max_points: int = MAX_POINTS) -> list[dict[str, Any]]:
    """Every k-th frame so a chart stays light (the last frame always kept)."""
    if len(frames) <= max_points:
        return frames
    step = math.ceil(len(frames) / max_points)
    kept = frames[::step]
    return kept if kept[-1] is frames[-1] else kept + [frames[-1]]


def check_infos(header: dict[str, Any], stretch_id: str) -> list[dict[str, Any]]:
    """The header's description of a stretch's checks (it travels with the log)."""
    return list(header.get("stretches", {}).get(stretch_id, {}).get("checks", []))


def describe(text: str, side: str | None) -> str:
    try:
        return fill_sides(text, side)  # type: ignore[arg-type]
    except (KeyError, IndexError, ValueError):
        return text


def correct_periods(frames: list[dict[str, Any]], max_gap_s: float = 1.0) -> pd.DataFrame:
    """Runs of frames with the same overall verdict: start, end, state (one of `VERDICTS`)."""
    rows: list[dict[str, Any]] = []
    for frame, nxt in zip(frames, frames[1:] + [None]):
        start = float(frame["t"])
        end = float(nxt["t"]) if nxt is not None and nxt["t"] - start <= max_gap_s else start + 1.0 / 30.0
        state = POSE_CORRECT if frame.get("correct") else POSE_WRONG
        phase = frame.get("phase", "hold")
        if phase != "hold":
            state = PHASE_STATES.get(phase, COUNTDOWN)
        if rows and rows[-1]["state"] == state and abs(rows[-1]["end"] - start) < 1e-6:
            rows[-1]["end"] = end
        else:
            rows.append({"start": start, "end": end, "state": state})
    return pd.DataFrame(rows, columns=["start", "end", "state"])


# Legend entries. The verdict is a strip along the top of each chart, apart from the plot, so
# its red and green never mix with the target band (blue) or the hold line.
POSE_CORRECT, POSE_WRONG, COUNTDOWN = "pose correct", "pose not correct", "countdown"
#: Frames outside a hold that are not the countdown: a set-up step (moving the laptop to a new
#: view), the start position before a hold (judged on its own checks, not the stretch's) and the
#: rest after a hold. Listed in the legend only when the frames have them.
SETUP, START, REST = "set-up", "start position", "rest"
PHASE_STATES = {"countdown": COUNTDOWN, "setup": SETUP, "start": START, "rest": REST}
VERDICTS = (POSE_CORRECT, POSE_WRONG, COUNTDOWN)
VERDICT_COLOURS = (OK_COLOUR, WRONG_COLOUR, COUNTDOWN_COLOUR)
OPTIONAL_STATES = ((SETUP, SETUP_COLOUR), (START, START_COLOUR), (REST, REST_COLOUR))
TARGET_RANGE = "target range"
TIMER_COUNTING, TIMER_STOPPED = "timer counting", "timer not counting"
#: Pixels of the verdict strip, and of the gap under it that the plot's data never enters.
STRIP_PX, STRIP_GAP_PX = 10, 6
#: Chart height including the legend under it.
CHART_HEIGHT = 230


def _legend_scale(periods: pd.DataFrame, extra: tuple[str, ...], colours: tuple[str, ...]) -> alt.Scale:
    """The strip's states (set-up, start position and rest only if present) and the chart's own entries."""
    present = set(periods["state"])
    optional = [(state, colour) for state, colour in OPTIONAL_STATES if state in present]
    return alt.Scale(domain=[*VERDICTS, *(s for s, _ in optional), *extra],
                     range=[*VERDICT_COLOURS, *(c for _, c in optional), *colours])


def _legend(columns: int) -> alt.Legend:
    return alt.Legend(title=None, orient="bottom", direction="horizontal", columns=columns,
                      symbolType="square", symbolOpacity=1.0, labelFontSize=12)


def _with_strip_room(low: float, high: float, height: int) -> float:
    """The top of a y domain [low, top] whose data part [low, high] stays under the strip."""
    plot_px = max(height - 80, 40)  # the plot without axis, title and legend (roughly)
    share = min((STRIP_PX + STRIP_GAP_PX) / plot_px, 0.5)
    return high + (high - low) * share / (1.0 - share)


def _strip_layer(periods: pd.DataFrame, scale: alt.Scale, legend: alt.Legend) -> alt.Chart:
    """The verdict as a thin strip along the top of the plot (pixel position, any y scale)."""
    return (
        alt.Chart(periods.rename(columns={"state": "key"}))
        .mark_rect()
        .encode(
            x=alt.X("start:Q", title="time (s)"),
            x2="end:Q",
            y=alt.value(0),
            y2=alt.value(STRIP_PX),
            color=alt.Color("key:N", scale=scale, legend=legend),
            tooltip=[alt.Tooltip("key:N", title="pose"), alt.Tooltip("start:Q", format=".1f"),
                     alt.Tooltip("end:Q", format=".1f")],
        )
    )


def check_chart(frames: list[dict[str, Any]], info: dict[str, Any], side: str | None,
                height: int = CHART_HEIGHT) -> alt.Chart:
    """One measurement over time with its target band; the verdict in a strip along the top."""
    check_id = info["id"]
    unit = info.get("unit") or ""
    rows = []
    for frame in thin(frames):
        check = frame.get("checks", {}).get(check_id)
        if check is None:
            continue
        value = check.get("value")
        rows.append({"t": float(frame["t"]), "value": value if value is not None else math.nan,
                     "status": check.get("status", "")})
    data = pd.DataFrame(rows, columns=["t", "value", "status"])
    values = data["value"].dropna()
    lo, hi = info.get("min"), info.get("max")
    bounds = [v for v in (lo, hi) if v is not None]
    data_lo = float(min(values.min(), *bounds)) if len(values) else float(min(bounds))
    data_hi = float(max(values.max(), *bounds)) if len(values) else float(max(bounds))
    pad = max((data_hi - data_lo) * 0.1, 1.0 if unit == "°" else 0.05)
    low, high = data_lo - pad, data_hi + pad
    band = pd.DataFrame([{
        "low": lo if lo is not None else low,
        "high": hi if hi is not None else high,
        "target": Target(lo, hi).describe(unit),
        "key": TARGET_RANGE,
    }])
    y_title = "degrees" if unit == "°" else unit_words(unit) if unit else "value"
    y_scale = alt.Scale(domain=[low, _with_strip_room(low, high, height)], zero=False, clamp=True, nice=False)
    periods = correct_periods(frames)
    scale = _legend_scale(periods, (TARGET_RANGE,), (BAND_COLOUR,))
    legend = _legend(columns=4)
    band_layer = alt.Chart(band).mark_rect(opacity=0.22).encode(
        y=alt.Y("low:Q", scale=y_scale, title=y_title), y2="high:Q",
        color=alt.Color("key:N", scale=scale, legend=legend),
        tooltip=[alt.Tooltip("target:N", title="target")],
    )
    line = alt.Chart(data).mark_line(color="#222222", strokeWidth=1.6).encode(
        x=alt.X("t:Q", title="time (s)"), y=alt.Y("value:Q", scale=y_scale, title=y_title),
        tooltip=[alt.Tooltip("t:Q", format=".2f", title="time (s)"), alt.Tooltip("value:Q", format=".2f"),
                 alt.Tooltip("status:N")],
    )
    strip = _strip_layer(periods, scale, legend)
    return alt.layer(band_layer, line, strip).properties(height=height)


def check_title(info: dict[str, Any], side: str | None) -> str:
    """"Chest turned towards the right side (target 15–75°)": the heading of a check's chart."""
    target = target_words(info.get("min"), info.get("max"), info.get("unit") or "")
    return f"{describe(info.get('description', info.get('id', '?')), side)} (target: {target})"


def timer_segments(frames: list[dict[str, Any]]) -> pd.DataFrame:
    """The hold line cut into runs of "timer counting" / "timer not counting" (waiting, settling,
    paused, complete); each run ends on the next run's first point so the line stays joined."""
    rows: list[dict[str, Any]] = []
    segment, previous = 0, None
    for frame in thin(frames):
        state = frame["hold"]["state"]
        key = TIMER_COUNTING if state == "holding" else TIMER_STOPPED
        point = {"t": float(frame["t"]), "held": float(frame["hold"]["held"]), "state": state}
        if previous is not None and key != previous:
            rows.append({**point, "key": previous, "segment": segment})
            segment += 1
        rows.append({**point, "key": key, "segment": segment})
        previous = key
    return pd.DataFrame(rows, columns=["t", "held", "state", "key", "segment"])


def hold_chart(frames: list[dict[str, Any]], height: int = CHART_HEIGHT) -> alt.Chart:
    """Seconds held correctly over time (grey and dashed while the timer is not counting), the
    target as a dashed line; the verdict in a strip along the top."""
    data = timer_segments(frames)
    target = float(frames[-1]["hold"].get("target") or 0.0) if frames else 0.0
    top = max(target, 1.0) * 1.05
    periods = correct_periods(frames)
    scale = _legend_scale(periods, (TIMER_COUNTING, TIMER_STOPPED), (OK_COLOUR, STOPPED_COLOUR))
    legend = _legend(columns=3)
    line = alt.Chart(data).mark_line(strokeWidth=2.5).encode(
        x=alt.X("t:Q", title="time (s)"),
        y=alt.Y("held:Q", title="seconds held",
                scale=alt.Scale(domain=[0, _with_strip_room(0.0, top, height)], nice=False)),
        color=alt.Color("key:N", scale=scale, legend=legend),
        strokeDash=alt.StrokeDash("key:N", scale=alt.Scale(domain=[TIMER_COUNTING, TIMER_STOPPED],
                                                           range=[[1, 0], [5, 3]]), legend=None),
        detail="segment:N",
        tooltip=[alt.Tooltip("t:Q", format=".1f", title="time (s)"), alt.Tooltip("held:Q", format=".1f"),
                 alt.Tooltip("state:N", title="timer")],
    )
    rule = alt.Chart(pd.DataFrame([{"target": target}])).mark_rule(strokeDash=[6, 4], color="#555555").encode(
        y="target:Q", tooltip=[alt.Tooltip("target:Q", title="target (s)")]
    )
    strip = _strip_layer(periods, scale, legend)
    return alt.layer(line, rule, strip).properties(height=height)


#: A completed hold whose longest unbroken stretch fell short of the target by more than this
#: was held in pieces, and the results say so.
PIECES_MARGIN_S = 0.5


def hold_rows(holds: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """Holds (a summary's hold records, or `HoldResult.record()`) as table rows in plain words."""
    rows = []
    for hold in holds:
        first = hold.get("time_to_first_correct_s")
        outcome = "completed" if hold.get("completed") else "ended early" if hold.get("skipped") else "not finished"
        longest = float(hold.get("longest_hold_s", 0.0))
        if hold.get("completed") and longest < float(hold["target_s"]) - PIECES_MARGIN_S:
            outcome = f"completed in pieces (longest unbroken {longest:.1f} s)"
        rows.append({
            "Stretch": names.get(hold["stretch"], hold["stretch"]),
            "Side": hold.get("side") or "—",
            "Set": hold.get("rep", 1),
            "Held correctly (s)": round(float(hold["held_s"]), 1),
            "Target (s)": round(float(hold["target_s"]), 1),
            "Result": outcome,
            "Longest unbroken hold (s)": round(float(hold.get("longest_hold_s", 0.0)), 1),
            "First correct after (s)": "never" if first is None else round(float(first), 1),
            "Most frequent cues": "; ".join(f"{cue} ({sec:g} s)" for cue, sec in hold.get("top_cues", [])) or "—",
        })
    return rows


def draw_skeleton(
    record: dict[str, Any],
    stretch: Stretch | None = None,
    width: int = 640,
    mirror: bool = False,
) -> np.ndarray:
    """One frame record's landmarks on a dark canvas (RGB), drawn as the live overlay draws
    them; joints coloured by the stored check statuses."""
    size = (record.get("landmarks") or {}).get("size") or [640, 480]
    aspect = float(size[1]) / float(size[0]) if size[0] else 0.75
    height = max(1, int(round(width * aspect)))
    canvas = np.full((height, width, 3), 28, np.uint8)
    unit = max(0.5, height / 480.0)
    if not record.get("landmarks"):
        put_text(canvas, "nobody in view", (int(20 * unit), height // 2), 0.9 * unit, UNSEEN_GREY)
        return canvas
    landmarks = landmarks_from_record(record["landmarks"], float(record.get("t", 0.0)))
    xy = landmarks.image[:, :2] * np.array([width, height])
    if mirror:
        xy[:, 0] = width - xy[:, 0]
    colours: dict[int, tuple[int, int, int]] = {}
    if stretch is not None:
        context = BodyContext(working_side=record.get("side") if stretch.has_sides else None,
                              near_side=nearer_side(landmarks) or "left")
        statuses = {k: v.get("status") for k, v in record.get("checks", {}).items()}
        colours = joint_colours(
            (CheckStatus(statuses[c.id]), check_joints(c, context), c.role == "gate")
            for c in stretch.checks if statuses.get(c.id) in _STATUSES
        )
    SkeletonAnnotator.draw(canvas, xy, landmarks.confidence() >= 0.3, colours, unit)
    verdict = "correct" if record.get("correct") else (record.get("cue") or "not correct")
    hold = record.get("hold", {})
    put_text(canvas, f"t = {float(record.get('t', 0.0)):.1f} s   held {float(hold.get('held', 0.0)):.1f} / "
                     f"{float(hold.get('target') or 0.0):g} s", (int(12 * unit), int(26 * unit)), 0.6 * unit, NEUTRAL)
    put_text(canvas, verdict[:60], (int(12 * unit), height - int(16 * unit)), 0.65 * unit,
             OK_GREEN if record.get("correct") else (255, 210, 80))
    return canvas


_STATUSES = {s.value for s in CheckStatus}
