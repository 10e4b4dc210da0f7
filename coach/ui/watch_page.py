"""Watch: a therapist watches a patient's live session that the patient shares with them.

The patient turns on "Let my therapist watch" on the Live page (`coach.ui.live_share`) and
gives the code; the therapist, logged in and assigned to that patient, enters it here or
opens ``/watch?watch=<code>``. They see the patient's annotated video (the coach's own
output, forked to this browser by streamlit-webrtc's relay: `coach.live.sharing`), the step,
the hold timer and the checks as the patient's panel shows them, and a short timeline of
the measured angles. Several therapists may watch one session.

Every refresh asks `coach.live.sharing.REGISTRY` again, with the database's answer to "is
this therapist assigned to this patient" now: a share that ends (by the patient, with the
session, or its time up) takes the video and the panel away within a refresh, and a wrong
code, an ended one or an unassigned therapist gets a plain message and no stream. Nothing
is recorded; the timeline lives in this browser session only.
"""

from __future__ import annotations

import os
import time
from collections import deque
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer
from streamlit_webrtc.relay import get_global_relay

from coach import settings, turn
from coach.live import LiveSnapshot
from coach.live.sharing import REGISTRY, ShareRefused, Viewer, normalise
from coach.store import accounts
from coach.store.database import Database
from coach.store.database import exists as store_exists
from coach.ui import auth, clinic_page, common, words
from coach.ui.common import plain
from coach.ui.panel_html import checks_html, now_box_html

QUERY_PARAM = "watch"
PANEL_REFRESH_S = 1.0
TIMELINE_S = 60.0
_TRACK_KEY = "watch_track"  # (code, id of the patient's track, this viewer's ViewerTrack)
_TIMELINE_KEY = "watch_timeline"
_NOTE_KEY = "watch_note"
#: The angle timeline, a Vega-Lite spec handed to Streamlit as it is. `st.line_chart` builds the
#: same chart with Altair and validates it on every call: ~50 ms of the server's CPU a refresh,
#: once a second per viewer, in the process whose event loop runs every patient's video (this:
#: ~3 ms; measured with tools/server_bench.py and py-spy, docs/deploy.md "What one server holds").
TIMELINE_SPEC: dict[str, Any] = {
    "mark": {"type": "line"},
    "height": 180,
    "encoding": {
        "x": {"field": "t", "type": "quantitative", "title": "session time (s)"},
        "y": {"field": "degrees", "type": "quantitative", "title": "degrees"},
        "color": {"field": "check", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
    },
}
VIEWER_MESSAGES = {
    "start": "Watch",
    "stop": "Stop watching",
}


def _database() -> Database | None:
    if not store_exists():
        return None
    db = clinic_page.database()
    if db is None or not accounts.has_accounts(db):
        return None
    return db


def _ice_servers() -> list[dict[str, Any]]:
    """ICE servers for this viewer (a time-limited TURN credential when TURN is configured),
    renewed at half its lifetime so the component's configuration does not change on every run."""
    state = st.session_state
    now = time.time()
    cached = state.get("watch_ice_servers")
    if cached is not None and cached[0] > now:
        return cached[1]  # type: ignore[no-any-return]
    user_id = state.setdefault("watch_turn_user", os.urandom(8).hex())
    try:
        servers = settings.live_ice_servers(user_id, st.secrets)
    except settings.SettingsError as error:
        st.error(f"The ICE/TURN server setting is wrong and was ignored: {plain(str(error))}")
        return []
    renew_at = float("inf")
    for server in servers:
        try:
            renew_at = min(renew_at, now + (turn.expiry_of(server.get("username", "")) - now) / 2)
        except ValueError:
            continue
    state["watch_ice_servers"] = (renew_at, servers)
    return servers


def render() -> None:
    st.markdown("### Watch a live session")
    common.health_note(compact=True)
    db = _database()
    if db is None:
        st.info("Watching a patient's live session needs therapist accounts (see the Patients page).")
        return
    user = auth.current_user()
    if user is None:
        st.caption("Log in as the patient's therapist to watch their live session.")
        auth.login_form(db)
        return
    name = accounts.display_name(db, user)
    auth.logout_button(plain(name))
    if user.role != "therapist":
        st.error("This page is for therapists. Your own session is on the Live coach page; there you can let "
                 "your therapist watch it.")
        return
    note = st.session_state.pop(_NOTE_KEY, None)
    typed = st.text_input("Share code", value=st.query_params.get(QUERY_PARAM, ""), key="watch_code",
                          max_chars=20, placeholder="e.g. 7KX3MPQA",
                          help="The code your patient sees on the Live coach page after 'Let my therapist watch'")
    code = normalise(typed)
    if not code:
        st.info("Enter the code your patient sees on their Live coach page.")
        return
    viewer = Viewer("therapist", user.id, name)

    def assigned(patient_id: int) -> bool:
        return accounts.may_see(db, user, patient_id)

    try:
        status = REGISTRY.open(code, viewer, assigned)
    except ShareRefused as refused:
        st.error(plain(note or str(refused)))
        _forget_track()
        return
    st.query_params[QUERY_PARAM] = code  # the address can be reloaded or bookmarked for this share
    st.markdown(f"Watching **{plain(status.patient_name)}** live. Nothing is recorded; the share ends with "
                "their session or when they end it.")
    video_col, panel_col = st.columns([3, 2], gap="medium")
    with video_col:
        track_id = _video(code, viewer, assigned)
    with panel_col:
        st.fragment(_panel, run_every=PANEL_REFRESH_S)(code, viewer, assigned, track_id)


def _forget_track() -> None:
    st.session_state.pop(_TRACK_KEY, None)
    st.session_state.pop(_TIMELINE_KEY, None)


def _video(code: str, viewer: Viewer, assigned: Any) -> int | None:
    """The patient's video (receive-only); returns the id of the patient's track it shows (None: off)."""
    source = REGISTRY.current_track(code)
    if source is None:
        st.info("The patient's camera is off. The video appears here when they press START.")
        return None
    kept = st.session_state.get(_TRACK_KEY)
    if kept is None or kept[0] != code or kept[1] != id(source) or kept[2].readyState != "live":
        track = REGISTRY.subscribe(code, viewer, assigned, get_global_relay())
        if track is None:
            st.info("The patient's camera is off. The video appears here when they press START.")
            return None
        kept = st.session_state[_TRACK_KEY] = (code, id(source), track)
    webrtc_streamer(
        key=f"watch-{code}-{kept[1]}",  # a new camera stream on the patient's side: a new viewer
        mode=WebRtcMode.RECVONLY,
        source_video_track=kept[2],
        desired_playing_state=True,
        rtc_configuration={"iceServers": _ice_servers()},
        media_stream_constraints={"video": True, "audio": False},
        video_html_attrs={"autoPlay": True, "controls": False, "muted": True, "style": {"width": "100%"}},
        translations=VIEWER_MESSAGES,
    )
    return kept[1]  # type: ignore[no-any-return]


def _panel(code: str, viewer: Viewer, assigned: Any, track_id: int | None) -> None:
    try:
        snap = REGISTRY.snapshot(code, viewer, assigned)
    except ShareRefused as refused:
        st.session_state[_NOTE_KEY] = str(refused)
        st.rerun()  # the whole page: the video goes
    source = REGISTRY.current_track(code)
    if (id(source) if source is not None else None) != track_id:
        st.rerun()  # the patient's camera went on or off
    status = REGISTRY.status(code)
    if status is not None and status.watching:
        st.caption(f"Watching: {plain(', '.join(status.watching))}")
    if not snap.started:
        st.info("The patient's session has not started yet.")
        return
    st.html(now_box_html(snap).replace(" Your summary is below.", "") + checks_html(snap))
    st.caption(f"{snap.fps:.0f} frames/s coached · {snap.t:.0f} s into the session")
    chart = _timeline(snap)
    if chart is not None:
        st.caption(f"Angles, last {TIMELINE_S:.0f} s")
        long = chart.reset_index().melt("t", var_name="check", value_name="degrees").dropna()
        st.vega_lite_chart(long, TIMELINE_SPEC, width="stretch")


def _timeline(snap: LiveSnapshot) -> pd.DataFrame | None:
    """The measured angles of the last minute, one column per check (kept in this browser session only)."""
    kept: deque[tuple[int, float, dict[str, float]]] = st.session_state.setdefault(_TIMELINE_KEY, deque())
    if kept and (kept[-1][0] != snap.session_id or kept[-1][1] > snap.t):
        kept.clear()
    if not kept or snap.t > kept[-1][1]:
        angles = {row.description: float(row.value) for row in snap.checks
                  if row.value is not None and words.unit_words(row.unit) == "°"}
        kept.append((snap.session_id, snap.t, angles))
    while kept and kept[0][1] < snap.t - TIMELINE_S:
        kept.popleft()
    rows = [{"t": t, **angles} for _, t, angles in kept if angles]
    if len(rows) < 2:
        return None
    return pd.DataFrame(rows).set_index("t")
