"""A session's report, the same on the Live and Review pages: results, timelines, replay.

Everything shown here comes from a session log, which anyone can edit: its text (names,
cues, descriptions) is shown as text, never as markdown or HTML (`common.plain`).
"""

from __future__ import annotations

import bisect
from typing import Any

import pandas as pd
import streamlit as st

from coach.routine import HoldResult
from coach.session_log import SessionLog
from coach.summary import summarize
from coach.ui import charts, common
from coach.ui.words import STATUS_ICON, check_value_words

def results_table(holds: list[dict[str, Any]], names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(charts.hold_rows(holds, names))


def live_results_table(results: tuple[HoldResult, ...], names: dict[str, str]) -> pd.DataFrame:
    """The holds of a live session, as the runner decided them."""
    return results_table([r.record() for r in results], names)


def header_names(header: dict[str, Any]) -> dict[str, str]:
    """Stretch names by id, from the log's own header (it travels with the log)."""
    return {k: str(v.get("name", k)) for k, v in header.get("stretches", {}).items()}


def render_log_report(log: SessionLog, key: str, replay: bool) -> None:
    """Summary table, timelines per hold and (optionally) the landmark-only replay."""
    header = log.header
    frames = log.frames
    summary = summarize(frames, log.events) if frames else (log.summary or {"holds": []})
    holds = summary.get("holds", [])
    st.subheader("Summary")
    # What the session's reading needs to be read with (e.g. the person too small in the picture
    # for the figure-4): for the person, and for a therapist opening their log.
    recorded = log.summary or {}
    facts = recorded.get("video") or recorded.get("live") or {}
    for note in facts.get("notes") or []:
        st.info(common.plain(note))
    if holds:
        st.dataframe(results_table(holds, header_names(header)), hide_index=True, width="stretch")
    else:
        st.info("No hold was started in this session (only the countdown or nothing at all was recorded).")
    groups = charts.hold_groups(frames)
    if not groups:
        return
    st.subheader("Timelines")
    labels = [g.label(header) for g in groups]
    index = 0
    if len(groups) > 1:
        index = st.selectbox("Hold", range(len(groups)), format_func=lambda i: labels[i], key=f"{key}_hold")
    group = groups[index]
    st.caption(
        "The strip along the top of each chart: green while the whole pose was correct, red while it "
        "was not, grey during the countdown, amber during a set-up step (moving the laptop to a new "
        "view), lilac in the start position (sitting tall, or on hands and knees, before the stretch), "
        "light blue while resting. The blue band is the target range of that measurement; "
        "the hold line is grey and dashed while the timer is not counting."
    )
    infos = charts.check_infos(header, group.stretch_id)
    target = group.frames[-1]["hold"].get("target") or 0
    charts_to_draw = [(f"Hold timer: seconds held correctly (target {target:g} s)", charts.hold_chart(group.frames))]
    charts_to_draw += [(charts.check_title(info, group.side), charts.check_chart(group.frames, info, group.side))
                       for info in infos]
    for start in range(0, len(charts_to_draw), 2):
        columns = st.columns(2)
        for column, (title, chart) in zip(columns, charts_to_draw[start:start + 2]):
            with column:
                st.markdown(f"**{common.plain(title)}**")
                st.altair_chart(chart, width="stretch")
    if replay:
        _replay(group, header, key)


def _replay(group: charts.HoldGroup, header: dict[str, Any], key: str) -> None:
    st.subheader("Skeleton replay")
    st.caption(
        "Drawn from the stored landmarks only (the log never contains video). Joints are coloured by "
        "what was judged at that moment: green ok, red needs correcting, grey not seen."
    )
    frames = group.frames
    times = [float(f["t"]) for f in frames]
    if len(times) < 2:
        chosen = 0
    else:
        t = st.slider("Time (s)", min_value=times[0], max_value=times[-1], value=times[0],
                      step=0.1, format="%.1f", key=f"{key}_replay_t_{group.stretch_id}_{group.side}_{group.rep}")
        chosen = min(bisect.bisect_left(times, t), len(times) - 1)
        if chosen > 0 and abs(times[chosen - 1] - t) < abs(times[chosen] - t):
            chosen -= 1
    mirror = st.toggle("Mirror (as the person saw themselves)", value=header.get("source") == "live",
                       key=f"{key}_replay_mirror")
    stretch = common.library().stretches.get(group.stretch_id)
    in_start = frames[chosen].get("phase") == "start"
    # The log judges every frame against the stretch; in the start position the person was judged
    # on the start's own checks instead, so colouring by the stretch's would show a right start as wrong.
    picture = charts.draw_skeleton(frames[chosen], None if in_start else stretch, width=640, mirror=mirror)
    left, right = st.columns([3, 2])
    with left:
        st.image(picture, caption=f"{group.label(header)} at {times[chosen]:.1f} s", width="stretch")
    with right:
        record = frames[chosen]
        if in_start:
            st.markdown("**Start position:** getting ready for the stretch; the joints are not coloured "
                        "here, and the checks below are the stretch's, which are not expected to hold yet.")
        else:
            st.markdown(f"**Pose:** {'correct' if record.get('correct') else 'not correct'}")
        if record.get("cue"):
            st.markdown(f"**Cue shown:** {common.plain(record['cue'])}")
        infos = {i["id"]: i for i in charts.check_infos(header, group.stretch_id)}
        checks = record.get("checks", {})
        order = [c for c in infos if c in checks] + [c for c in checks if c not in infos]  # the file's order
        for check_id in order:
            check = checks[check_id]
            info = infos.get(check_id, {"description": check_id, "unit": ""})
            mark = STATUS_ICON.get(check.get("status"), "•")
            value = check_value_words(check.get("status"), check.get("value"), info.get("unit") or "")
            words = f"{charts.describe(info.get('description', check_id), group.side)}: {value}"
            st.markdown(f"{mark} {common.plain(words)}")
        if stretch is None:
            st.caption("This stretch is not in this app's library, so the joints are not coloured.")


def header_caption(log: SessionLog) -> None:
    """What the log is: live or a video, when, which stretches, how many frames, which model."""
    header = log.header
    source = header.get("source", "?")
    what = "live session" if source == "live" else f"analysis of {source.removeprefix('video:')}"
    routine = header.get("routine")
    names = ", ".join(s.get("name", k) for k, s in header.get("stretches", {}).items())
    st.markdown(
        f"**{common.plain(what.capitalize())}**, " + common.plain(
            f"started {header.get('started', '?')} · {'routine ' + routine if routine else names} · "
            f"{len(log.frames)} frames · model {header.get('model', '?')}")
    )


