"""Live coach page: pick a routine or a stretch, start the camera, get coached.

The video callback never touches Streamlit: it is `LiveCoach.process` of an
object this script keeps in ``st.session_state`` (see `coach.live`). The
side panel is a fragment that re-runs twice a second while the camera is
on and reads the coach's latest snapshot; the buttons call the coach's
controls; what to say aloud is decided by `coach.ui.speech.SpeechPlanner`.

When the patients' database has accounts, a patient can log in here (`coach.ui.auth`);
each session they finish is then imported into the database under their name
(`coach.store.importer`, from the script thread once the log is closed), so their
therapist sees it at once. With no accounts the page opens straight to the coach.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from coach.estimator import MODEL_ENV_VAR
from coach.routine import expand_slots, stretch_routine
from coach.session_log import SessionLogError, load_session_log
from coach.store import accounts, pending
from coach.store.database import Database, StoreError
from coach.store.database import exists as store_exists
from coach.store.importer import import_log
from coach.stretches import Library, Routine, Stretch, fill_sides
from coach import settings, turn
from coach.ui import auth, clinic_page, common, live_share, navigation, plan_choice, session_report, setup_step
from coach.ui.common import plain
from coach.live import LiveCoach, LiveSnapshot
from coach.live import resume
from coach.live.bench import live_coach_class
from coach.live.session import CAMERA_STOPPED, IT_HURTS, PAUSED_BY_PERSON
from coach.ui.speech import SpeechPlanner, speak_js
from coach.ui.panel_html import checks_html, now_box_html

LOGGER = logging.getLogger(__name__)
WEBRTC_KEY = "live-coach"
#: The URL's query parameter naming this tab's coach, so a reload resumes it (`coach.live.resume`).
RESUME_PARAM = "live"
#: The side panel refreshes twice a second. Every refresh is a Streamlit script run, and the
#: browser re-renders the whole app for each (measured with tools/live_bench.py on 2 cores:
#: ~50 ms of the browser's main thread per refresh). At 4 Hz that cost the pose model 3-8 coached
#: frames a second; the video itself shows the hold time and the cue on every frame.
PANEL_REFRESH_S = 0.5
CONNECT_SLOW_S = 10.0
NO_FRAMES_SLOW_S = 12.0
STALLED_S = 3.0
SPEECH_RESEND_S = 2.0
SLOW_FPS = 4.0
PAIN_SCALE = "0 = no pain, 10 = worst imaginable"
PAIN_RISE = 2  # points, before to after: the smallest change patients notice (coach.store flags it too)
MODEL_WORDS = {"full": "accurate (full)", "lite": "light (lite, less CPU)"}
#: What the camera component says, in plain words (streamlit-webrtc's `Translations`).
CAMERA_MESSAGES = {
    "start": "Start",
    "stop": "Camera off (pauses)",
    "media_api_not_available": "This browser cannot use a camera on this page (it needs HTTPS, or "
                               "localhost). The Review page can analyse a recorded video instead.",
    "device_ask_permission": "Please allow the camera when the browser asks.",
    "device_not_available": "No camera was found. Connect one and press Start again, or use the Review "
                            "page with a recorded or sample video.",
    "device_access_denied": "The browser blocked the camera. Allow it for this page (the icon left of the "
                            "address bar) and press Start again, or use the Review page with a video.",
}


# ---------------------------------------------------------------- choosing


def _choose(lib: Library) -> tuple[Routine, str | None, str | None]:
    """The routine to run, the routine id for the log, and the side (single stretch, one side).

    Never locked: a different choice while the camera runs switches the coach at once
    (`LiveCoach.configure` ends the running session as Stop does).
    """
    mode = st.radio("What would you like to do?", ["A routine", "One stretch"], horizontal=True,
                    key="live_mode")
    if mode == "A routine":
        ids = list(lib.routines)
        default = ids.index("sciatica") if "sciatica" in ids else 0
        routine_id = st.selectbox("Routine", ids, index=default, key="live_routine",
                                  format_func=lambda i: lib.routines[i].name)
        routine = lib.routines[routine_id]
        if routine.description:
            st.caption(plain(routine.description))
        return routine, routine_id, None
    ids = [s.id for s in common.in_routine_order(lib)]
    left, right = st.columns([2, 1])
    with left:
        stretch_id = st.selectbox("Stretch", ids, key="live_stretch",
                                  format_func=lambda i: lib.stretches[i].name)
    stretch = lib.stretches[stretch_id]
    side: str | None = None
    with right:
        if stretch.has_sides:
            choice = st.selectbox("Side", ["both", "right", "left"], key="live_side",
                                  format_func=lambda s: "both sides (right first)" if s == "both" else f"{s} side only")
            side = None if choice == "both" else choice
    routine = stretch_routine(stretch, (side,) if side else None)
    return routine, None, side


def _choose_with_plan(lib: Library, plan: plan_choice.PatientPlan | None
                      ) -> tuple[Routine, str | None, str | None, dict[str, Stretch]]:
    """`_choose`, after the logged-in patient's own plan when they have one (`coach.ui.plan_choice`);
    also the stretch definitions to run with (the plan's depth targets)."""
    if plan is not None and plan_choice.use_plan(plan):
        return plan.routine, plan.log_routine_id, None, plan.stretches
    return *_choose(lib), lib.stretches


def _chosen_words(lib: Library, plan: plan_choice.PatientPlan | None = None) -> str:
    """What the set-up's widgets hold now (from their last run), for its folded label."""
    state = st.session_state
    if plan is not None and plan_choice.plan_chosen(plan):
        chosen = plan.label
    elif state.get("live_mode", "A routine") == "A routine":
        routine = lib.routines.get(state.get("live_routine", "sciatica"))
        chosen = f"{routine.name} routine" if routine else "a routine"
    else:
        stretch = lib.stretches.get(state.get("live_stretch", ""))
        side = state.get("live_side", "both")
        chosen = (stretch.name if stretch else "one stretch") + ("" if side == "both" else f", {side} side")
    return chosen + (", voice on" if state.get("live_voice", True) else ", voice off")


def _plan(routine: Routine, lib: Library) -> None:
    slots = expand_slots(routine, lib.stretches)
    lines = [f"{i}. {plain(slot.label)}: hold {slot.hold_seconds:g} s"
             + (f", then rest {slot.rest_seconds:g} s" if slot.rest_seconds and i < len(slots) else "")
             for i, slot in enumerate(slots, 1)]
    st.markdown(f"**The plan:** {len(slots)} hold{'s' if len(slots) != 1 else ''}, "
                f"{routine.countdown_seconds:g} s countdown before each")
    st.markdown("\n".join(lines))


def _instructions(lib: Library, stretch_id: str, side: str | None) -> None:
    stretch = lib.stretches[stretch_id]
    side_text = f" — {side} side" if side else ""
    st.markdown(f"**How to do it: {plain(stretch.name)}{side_text}**")
    if stretch.benefit:
        st.markdown(f"*Why: {plain(fill_sides(stretch.benefit, side))}*")  # type: ignore[arg-type]
    st.markdown("\n".join(f"{i}. {plain(fill_sides(step, side))}"  # type: ignore[arg-type]
                          for i, step in enumerate(stretch.instructions, 1)))
    st.markdown(f"**Camera:** {plain(stretch.view_advice)}")
    if stretch.check_yourself:
        # one item a line: read from a few metres away, a run-on paragraph hides the second item
        st.info("**The camera cannot see this: check it yourself.**\n\n"
                + "\n".join(f"- {plain(fill_sides(text, side))}"  # type: ignore[arg-type]
                            for text in stretch.check_yourself),
                icon=":material/visibility_off:")
    if stretch.side_note and side:
        st.caption(plain(stretch.side_note))
    if stretch.cautions:
        st.warning("**Take care.** " + " ".join(plain(c) for c in stretch.cautions), icon="⚠️")
    picture = settings.stretch_image(stretch.id)
    if picture is not None:
        st.image(str(picture), caption=f"{plain(stretch.name)}: the pose", width=320)


# ---------------------------------------------------------------- who is coached


def _store() -> Database | None:
    """The patients' database if anyone can log in; None on a laptop without accounts
    (a database file that does not exist is not created for the question)."""
    if not store_exists():
        return None
    db = clinic_page.database()
    if db is None or not accounts.has_accounts(db):
        return None
    clinic_page.import_unfinished(db)
    return db


def _claim_sessions(coach: LiveCoach, user: accounts.User | None) -> None:
    """While a patient is logged in, each session log the coach opens is claimed for them at once."""
    if user is not None and user.role == "patient":
        coach.on_log_opened = functools.partial(pending.claim, settings.sessions_dir(), patient_id=user.id)
    else:
        coach.on_log_opened = None


def _who(db: Database) -> accounts.User | None:
    """The login line, or a small login form: a logged-in patient's sessions go to their therapist."""
    user = auth.current_user()
    if user is None:
        with st.expander("Log in, so your sessions are saved for your therapist"):
            auth.login_form(db)
        return None
    name = accounts.display_name(db, user)
    auth.logout_button(plain(name))
    if user.role != "patient":
        st.warning(f"{plain(name)} is a therapist's account: sessions on this page are saved only for a "
                   "logged-in patient, so this one is saved for nobody. Log out to let a patient log in.")
    return user


def _save_for_therapist(db: Database | None, user: accounts.User | None, snap: LiveSnapshot) -> None:
    """Import the finished session (its log closed) under the logged-in patient, once; say so."""
    if db is None or user is None or user.role != "patient" or not snap.log_path or not snap.results:
        return
    saved: dict[str, str | int] = st.session_state.setdefault("live_imported", {})
    if snap.log_path not in saved:
        try:
            saved[snap.log_path] = import_log(db, snap.log_path, user.id).session_id
        except (SessionLogError, StoreError, OSError) as error:
            saved[snap.log_path] = f"This session could not be saved for your therapist: {error}"
    result = saved[snap.log_path]
    if isinstance(result, int):
        st.success(f"Saved for your therapist as session {result}.")
    else:
        st.warning(plain(result))


# ---------------------------------------------------------------- state


def _adopt(user: accounts.User | None, lib: Library) -> None:
    """A reloaded page: this URL's ``?live=`` token's coach (`coach.live.resume`), paused where it was.

    A tab whose own coach was made here but never started a session (a patient logging in again
    after the reload) swaps it for the one the token names.
    """
    state = st.session_state
    token = st.query_params.get(RESUME_PARAM)
    own = state.get("live_coach")
    if not token or token == state.get("live_token"):
        return
    if own is not None and ((snap := own.snapshot()).started or snap.stream_active):
        return
    coach = resume.REGISTRY.adopt(token, resume.owner_of(user))
    if coach is None:
        return
    state["live_coach"], state["live_token"] = coach, token
    _restore_choices(coach, lib)  # type: ignore[arg-type]


def _restore_choices(coach: LiveCoach, lib: Library) -> None:
    """An adopted coach's routine, side, model and mirror back in the set-up widgets (not drawn yet
    in this run): a reload must not look like a different choice, which would end the session.
    Only values that differ from the widgets' defaults are set (Streamlit warns, once, about a
    widget given both a default and a value set here)."""
    state = st.session_state
    routine_id, side, model = coach.choice
    if not coach.mirror:
        state["live_mirror"] = False
    if model is not None and model != (os.environ.get(MODEL_ENV_VAR, "").strip() or "full"):
        state["live_model"] = model
    if routine_id == plan_choice.ROUTINE_ID:
        state[plan_choice.CHOICE_KEY] = "plan"
        return
    if routine_id in lib.routines:
        state["live_mode"] = "A routine"
        if routine_id != ("sciatica" if "sciatica" in lib.routines else next(iter(lib.routines))):
            state["live_routine"] = routine_id
    elif coach.routine.steps and coach.routine.steps[0].stretch_id in lib.stretches:
        state["live_mode"], state["live_stretch"] = "One stretch", coach.routine.steps[0].stretch_id
        if side:
            state["live_side"] = side


def _keep_resumable(coach: LiveCoach, user: accounts.User | None) -> None:
    """Keep this tab's coach in the registry and its token in the URL, so a reload resumes it.

    A URL token whose coach still waits (for a patient who has to log in again after the reload)
    is left alone while this tab's own coach has not started a session; that coach gets no token
    meanwhile (the page runs again when the camera starts).
    """
    state = st.session_state
    token = state.get("live_token")
    url_token = st.query_params.get(RESUME_PARAM)
    if token is None:
        if url_token and not coach.snapshot().started and resume.REGISTRY.pending(url_token):
            return
        token = state["live_token"] = resume.REGISTRY.add(coach, resume.owner_of(user))
    else:
        resume.REGISTRY.keep(token, coach, resume.owner_of(user))
    if url_token != token:
        st.query_params[RESUME_PARAM] = token


def _coach(lib: Library, routine: Routine, user: accounts.User | None = None) -> LiveCoach:
    coach = st.session_state.get("live_coach")
    if coach is None:
        try:
            keep = settings.session_retention()
        except settings.SettingsError as error:
            st.warning(f"The session-log setting is wrong, so the defaults apply: {plain(str(error))}")
            keep = settings.session_retention({})
        try:
            model_process, model_fps = settings.model_process(), settings.model_fps()
        except settings.SettingsError as error:
            st.warning(f"A pose model setting is wrong, so the defaults apply: {plain(str(error))}")
            model_process, model_fps = settings.model_process({}), settings.model_fps({})
        try:
            stuck_after, pause_limit = settings.stuck_after_s(), settings.paused_session_limit_s()
        except settings.SettingsError as error:
            st.warning(f"A live-session setting is wrong, so the defaults apply: {plain(str(error))}")
            stuck_after, pause_limit = settings.stuck_after_s({}), settings.paused_session_limit_s({})
        resume.REGISTRY.expire_s = pause_limit
        coach_class = live_coach_class(settings.bench_stamp(), settings.live_passthrough())
        coach = coach_class(routine, lib.stretches, log_dir=settings.sessions_dir(), retention=keep,
                            model_process=model_process, max_judged_fps=model_fps,
                            stuck_after_s=stuck_after, paused_session_limit_s=pause_limit, ask_pain_after=True)
        st.session_state["live_coach"] = coach
    _keep_resumable(coach, user)
    return coach


def _planner() -> SpeechPlanner:
    planner = st.session_state.get("live_speech")
    if planner is None:
        planner = st.session_state["live_speech"] = SpeechPlanner()
    return planner


def _ice_servers() -> list[dict[str, Any]]:
    """ICE servers for this browser session, with a time-limited TURN credential when configured.

    The credential is made once per session under a random id (no patient name reaches the TURN
    server's log) and renewed only once half its lifetime has passed, so the camera component's
    configuration does not change on every rerun.
    """
    state = st.session_state
    now = time.time()
    cached = state.get("live_ice_servers")
    if cached is not None and cached[0] > now:
        return cached[1]
    user_id = state.setdefault("live_turn_user", os.urandom(8).hex())
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
            continue  # a static username from STRETCH_COACH_ICE_SERVERS
    state["live_ice_servers"] = (renew_at, servers)
    return servers


def _connection_times(playing: bool, signalling: bool) -> tuple[float | None, float | None]:
    """Since when (monotonic) the component has been connecting / playing (script thread only)."""
    now = time.monotonic()
    state = st.session_state
    if signalling and not playing:
        state.setdefault("live_signalling_since", now)
    else:
        state.pop("live_signalling_since", None)
    if playing:
        state.setdefault("live_playing_since", now)
    else:
        state.pop("live_playing_since", None)
    return state.get("live_signalling_since"), state.get("live_playing_since")


# ---------------------------------------------------------------- panel


def _controls(coach: LiveCoach, snap: LiveSnapshot, active: bool) -> None:
    running = snap.started and not snap.done and (active or snap.paused is not None)
    cols = st.columns(4)
    if snap.paused == PAUSED_BY_PERSON:
        cols[0].button("Resume", on_click=coach.resume, type="primary", width="stretch", key="live_resume",
                       help="Carry on where you paused")
    else:
        cols[0].button("Pause", on_click=coach.pause, disabled=not running or snap.paused is not None,
                       width="stretch", key="live_pause",
                       help="Stop the clock, e.g. to move the laptop; the hold carries on when you resume")
    cols[1].button("Skip", on_click=coach.skip, disabled=not running, width="stretch", key="live_skip",
                   help="Give up this hold and go to the next")
    cols[2].button("Repeat", on_click=coach.repeat, disabled=not running, width="stretch", key="live_repeat",
                   help="Start this hold again from its countdown")
    cols[3].button("End session", on_click=coach.stop, disabled=not running, width="stretch", key="live_stop",
                   help="End the routine now and see the summary (turning the camera off only pauses)")
    if snap.paused == IT_HURTS:
        st.error("**Stop if pain, tingling or numbness increases.** The session is paused and the moment is "
                 "saved for your therapist. Do you want to stop for today?", icon="⚠️")
        choice = st.columns(2)
        choice[0].button("Stop for today", on_click=coach.stop, type="primary", width="stretch",
                         key="live_hurts_stop")
        choice[1].button("Carry on gently", on_click=coach.resume, width="stretch", key="live_hurts_resume",
                         help="Only if the pain has eased: go back to a gentler position")
    elif running:
        st.button("It hurts", on_click=coach.it_hurts, width="stretch", key="live_it_hurts",
                  help="Pauses the session, saves the moment for your therapist and asks whether to stop")
    if active and snap.done:
        st.button("Start the routine again", on_click=coach.restart, type="primary", width="stretch",
                  key="live_restart")


def _speak(snap: LiveSnapshot, voice: bool) -> None:
    planner = _planner()
    if st.session_state.get("live_speech_session") != snap.session_id:
        st.session_state["live_speech_session"] = snap.session_id
        planner.reset()
    now = time.monotonic()
    text = planner.update(snap, now)
    if text and voice:
        count = st.session_state.get("live_speech_count", 0) + 1
        st.session_state["live_speech_count"] = count
        st.session_state["live_speech_last"] = (count, text, now)
    # The newest sentence is rendered for a few seconds, not just once: a run can be cut short by
    # a rerun before its elements reach the browser. The snippet speaks each id only once.
    last = st.session_state.get("live_speech_last")
    if voice and last is not None and now - last[2] < SPEECH_RESEND_S:
        st.html(f"<div style='display:none' data-said='{last[0]}'></div>{speak_js(last[1], last[0])}",
                unsafe_allow_javascript=True)


def _panel(coach: LiveCoach, ctx: Any, lib: Library, routine: Routine, voice: bool) -> None:
    snap = coach.snapshot()
    playing = ctx is not None and bool(ctx.state.playing)
    signalling = ctx is not None and bool(ctx.state.signalling)
    now = time.monotonic()
    # Coached frames arriving are proof enough that the camera plays: the component's own
    # state reaches the server only with a full rerun, which on a busy machine can lag the
    # video by seconds (seen: "Connecting…" over a running session, Stop greyed out).
    flowing = snap.stream_active and snap.started and now - snap.updated_at < STALLED_S
    playing = playing or flowing
    signalling_since, playing_since = _connection_times(playing, signalling)
    live = playing and snap.stream_active and snap.started
    if live:
        auth.current_user()  # a patient coached by the camera is using the page: the login does not go idle
    # A session that ends needs the whole page, not just this panel: the summary and the
    # download appear below.
    if snap.done and snap.session_id and st.session_state.get("live_summary_for") != snap.session_id:
        st.session_state["live_summary_for"] = snap.session_id
        st.session_state["live_last_done"] = snap
        st.rerun()

    if snap.error and playing:
        st.error(f"The coach hit a problem and is not judging frames: {plain(snap.error)}")
    if snap.paused in (CAMERA_STOPPED, PAUSED_BY_PERSON) and not playing:
        # Paused with Pause and then the camera off (to move the laptop) is paused just the same.
        press = "**START**" if snap.paused == CAMERA_STOPPED else "**START** and **Resume**"
        st.info(f"Paused at hold {min(snap.slot_index + 1, snap.slot_count)} of {snap.slot_count}: "
                f"{plain(snap.slot_label)}. Set up where the camera sees you, then press {press}: "
                "the session carries on from here.")
    if live:
        # One plain-HTML element for everything that changes twice a second (see coach.ui.panel_html).
        show_checks = st.toggle("Show every check", key="live_show_checks",
                                help="What each check measures now, and its target")
        st.html(now_box_html(snap) + (checks_html(snap) if show_checks else ""))
        setup_step.render(coach, snap, lib)  # moving the laptop: the next position's picture, Ready
        if snap.stuck:
            # Stuck: skip, or go back to this hold's set-up (its set-up step after a change of view,
            # then the countdown) with where the camera goes said here, not only below the video.
            stretch = lib.stretches.get(snap.stretch_id or "")
            camera = f" **Camera:** {plain(stretch.view_advice)}" if stretch is not None else ""
            st.warning("This hold has not counted any time for a while. That is fine: you can skip it, "
                       "or start it again from its set-up." + camera)
            stuck_cols = st.columns(2)
            stuck_cols[0].button("Skip this stretch", on_click=coach.skip, type="primary", width="stretch",
                                 key="live_stuck_skip")
            stuck_cols[1].button("Show the set-up again", on_click=coach.repeat, width="stretch",
                                 key="live_stuck_setup",
                                 help="Start this hold again from its set-up and countdown "
                                      "(time held so far in this hold is not kept)")
        if now - snap.updated_at > STALLED_S:
            st.warning("No new frames for a few seconds: the camera or the connection has stalled. "
                       "Turn the camera off and START it again if it does not recover.")
        if snap.frames > 60 and 0 < snap.fps < SLOW_FPS:
            st.warning(f"Only {snap.fps:.0f} frames a second are being coached: the hold timer needs a steady "
                       "picture. Close other programs, or choose the light pose model above.")
        size = f" · {snap.frame_size[0]}×{snap.frame_size[1]}" if snap.frame_size else ""
        st.caption(f"{snap.fps:.0f} frames/s coached{size} · pose model {snap.model_ms:.0f} ms, "
                   f"judging in all {snap.frame_ms:.0f} ms a frame · {snap.t:.0f} s into the session")
    elif playing:
        st.info("Waiting for the camera… (loading the pose model; the first frames take a second)")
        if playing_since is not None and now - playing_since > NO_FRAMES_SLOW_S:
            st.warning("No video is arriving from the camera. Check that no other program is using it, "
                       "then turn the camera off and START it again.")
    elif signalling:
        st.info("Connecting to the camera…")
        if signalling_since is not None and now - signalling_since > CONNECT_SLOW_S:
            st.warning(
                "The connection is taking longer than expected. On this computer it should take a "
                "second; on a server reached over the internet it may need a TURN server "
                f"(setting `{settings.ICE_ENV}`). You can still analyse a recorded video on the Review page."
            )
    else:
        st.info("Waiting for the camera… Press **START** under the video and allow the camera when "
                "the browser asks.")
    _controls(coach, snap, playing)
    if not snap.started:
        _pain_before(coach)

    st.divider()
    if live and snap.stretch_id and not snap.done:
        _instructions(lib, snap.stretch_id, snap.side)
    else:
        slot = expand_slots(routine, lib.stretches)[0]
        _instructions(lib, slot.stretch.id, slot.side)
    if live:
        _speak(snap, voice)  # last: the (invisible) speech element never moves the panel


# ---------------------------------------------------------------- pain


def _pain_before(coach: LiveCoach) -> None:
    """The 0-10 score before the session (skippable: no answer writes nothing); kept for the next session."""
    round_key = f"live_pain_before_{st.session_state.get('live_summary_for', 0)}"

    def given() -> None:
        score = st.session_state.get(round_key)
        st.session_state["live_pain_before_score"] = score
        coach.pain_before(score)

    st.segmented_control(f"Pain now, before you start ({PAIN_SCALE}). Optional.", list(range(11)),
                         key=round_key, on_change=given)


def _pain_after(coach: LiveCoach, snap: LiveSnapshot) -> None:
    """The same question after the session; a rise of PAIN_RISE or more gets a plain safety message."""
    if coach.awaiting_pain_after(snap.session_id):
        score = st.segmented_control(f"Pain now, after the session ({PAIN_SCALE})", list(range(11)),
                                     key=f"live_pain_after_{snap.session_id}")
        left, right = st.columns(2)
        if left.button("Save my pain score", type="primary", disabled=score is None, key="live_pain_save"):
            coach.pain_after(snap.session_id, score)
            st.session_state["live_pain_result"] = (snap.session_id, st.session_state.get("live_pain_before_score"),
                                                   score)
            st.session_state.pop("live_pain_before_score", None)
            st.rerun()
        if right.button("Skip", key="live_pain_skip"):
            coach.pain_after(snap.session_id, None)
            st.session_state.pop("live_pain_before_score", None)
            st.rerun()
        return
    result = st.session_state.get("live_pain_result")
    if result is None or result[0] != snap.session_id:
        return
    _, before, after = result
    if before is not None and after is not None and after - before >= PAIN_RISE:
        st.error(f"Your pain went up by {after - before} points. Stop for today; if pain, tingling or numbness "
                 "keeps increasing, contact your therapist or doctor.", icon="⚠️")
    else:
        st.caption(f"Pain after the session: {after} (saved in the session log).")


# ---------------------------------------------------------------- summary


def _summary(lib: Library, coach: LiveCoach, db: Database | None, user: accounts.User | None) -> None:
    snap: LiveSnapshot | None = st.session_state.get("live_last_done")
    if snap is None:
        return
    st.divider()
    st.subheader("Your last session")
    _pain_after(coach, snap)
    waiting = coach.awaiting_pain_after(snap.session_id)
    if not waiting:
        _save_for_therapist(db, user, snap)
    if snap.results:
        names = {k: v.name for k, v in lib.stretches.items()}
        st.dataframe(session_report.live_results_table(snap.results, names), hide_index=True, width="stretch")
    else:
        st.info("No hold was started in that session.")
    if snap.log_path and Path(snap.log_path).is_file():
        path = Path(snap.log_path)
        def log_bytes() -> bytes:  # a log still waiting for the after score is closed without it first
            coach.pain_after(snap.session_id, None)
            return path.read_bytes()

        st.download_button("Download the session log (.jsonl)", data=log_bytes, file_name=path.name,
                           mime="application/jsonl", key="live_download_log")
        st.caption(f"Saved on this computer as `{path}`. It holds landmarks, measurements and hold "
                   "times, never video: send it to your therapist, who can open it on the Review page.")
        if st.toggle("Show the timelines of this session", key="live_show_timelines"):
            try:
                log = load_session_log(path, allow_incomplete=waiting)
            except SessionLogError as error:
                st.warning(f"The session log could not be read back: {plain(str(error))}")
                return
            session_report.render_log_report(log, key="live_report", replay=False)


# ---------------------------------------------------------------- page


def _camera(coach: LiveCoach) -> Any:
    """The WebRTC component (None, with a plain message, if it cannot run here)."""
    try:
        return webrtc_streamer(
            key=WEBRTC_KEY,
            mode=WebRtcMode.SENDRECV,
            video_frame_callback=coach.process,
            on_video_ended=coach.on_stream_ended,
            # The callback only draws (a few ms; the model runs in its own process), so it runs
            # on aiortc's event loop. streamlit-webrtc's async mode hands each processed frame
            # out only when the next camera frame arrives: one frame period (33 ms) of delay,
            # often two (measured, pass-through: capture→display 102-108 ms async, 57-88 ms here).
            async_processing=False,
            rtc_configuration={"iceServers": _ice_servers()},
            # 640x480: crossed legs are read better than at 480x360 (a correct figure-4 76 of 85
            # against 71 on the same scenes) and about as well as at 960x720 shrunk to 640x480
            # (78 against 80) for 2.25 times fewer pixels a frame (README, "Picture size").
            media_stream_constraints={"video": {"width": 640, "height": 480}, "audio": False},
            video_html_attrs={"autoPlay": True, "controls": False, "muted": True,
                              "style": {"width": "100%"}},
            translations=CAMERA_MESSAGES,
        )
    except Exception as error:  # noqa: BLE001 - the rest of the page still helps
        st.error(f"The camera component could not start here ({type(error).__name__}: {plain(str(error))}). "
                 "The Review page can still analyse a recorded video.")
        return None


def render() -> None:
    lib = common.library()
    # Everything whose layout can change between runs sits in one container, so the camera
    # component below keeps its place in the page (a moved component is remounted and its
    # stream dropped). The set-up is a popover, which takes no room when closed and closes by
    # itself when the person clicks elsewhere (START): the video and the timer must fit above
    # the fold of a laptop screen, read from 2-3 m.
    with st.container():
        head, note = st.columns([1, 3], vertical_alignment="center")
        head.markdown("### Live coach")
        with note:
            common.health_note(compact=True)
        choose, now = st.columns([1, 3], vertical_alignment="center")
        # Its label never changes: a changed element above the camera component is a new one, and
        # after that streamlit-webrtc no longer reported the stream's end when the tab closed.
        setup = choose.popover("Change the routine or settings", icon=":material/tune:")
        now_line = now.empty()
        db = _store()
        user: accounts.User | None = None
        plan: plan_choice.PatientPlan | None = None
        if db is not None:
            with st.container():  # its own slot: logging in or out never moves the camera component
                user = _who(db)
                _adopt(user, lib)
                plan = plan_choice.current_plan(db, user, lib)
                if plan_choice.plan_chosen(plan):
                    plan_choice.plan_heading(plan)  # type: ignore[arg-type]
        else:
            _adopt(None, lib)
        now_line.caption(f"Now: {plain(_chosen_words(lib, plan))}")
    with setup:
        routine, log_routine_id, log_side, stretches = _choose_with_plan(lib, plan)

        options = st.columns(3)
        mirror = options[0].toggle("Mirror the picture", value=True, key="live_mirror",
                                   help="Show yourself like in a mirror. Left and right in the coaching "
                                        "always mean your own left and right.")
        voice = options[1].toggle("Speak the cues", value=True, key="live_voice",
                                  help="The browser reads out one cue at a time, and milestones "
                                       "such as '10 seconds left'.")
        models = ["full", "lite"]
        configured = os.environ.get(MODEL_ENV_VAR, "").strip()
        if configured and configured not in models:
            models.append(configured)  # a .task file named in the setting
        model = options[2].selectbox("Pose model", models, key="live_model",
                                     index=models.index(configured) if configured else 0,
                                     format_func=lambda m: MODEL_WORDS.get(m, Path(m).name))

        coach = _coach(lib, routine, user)
        _claim_sessions(coach, user)
        ended = coach.configure(routine, log_routine_id=log_routine_id, log_side=log_side, model=model,
                                mirror=mirror, stretches=stretches)
        if ended is not None and any(r.held_s > 0 for r in ended.results):
            # Switched while a session was on: it ended like Stop; keep its summary and log below.
            st.session_state["live_last_done"] = ended
            st.session_state["live_summary_for"] = ended.session_id
        _plan(routine, lib)

    video_col, panel_col = st.columns([3, 2], gap="medium")
    with video_col:
        ctx = _camera(coach)
        with st.expander("Camera not working? (an error above the video, or stuck connecting)"):
            st.markdown(
                "- **NotAllowedError** (or nothing happens): the browser blocked the camera. Allow it for this "
                "page (the icon at the left of the address bar), then press START again.\n"
                "- **NotFoundError**: no camera was found. Connect one, or check it is switched on.\n"
                "- **NotReadableError**: another program is using the camera. Close it and press START again.\n"
                "- **Stuck on connecting:** on this computer it connects in about a second. Over the internet "
                f"the server may need a TURN server (`{settings.ICE_ENV}`), and the page must be served over "
                "HTTPS.\n"
                "- **No camera at all?** Try the coach on a recorded video: the Review page analyses your own "
                "clip or one of the sample videos."
            )
            st.page_link(navigation.page("review"), label="Go to the Review page", icon="🎞️")
    with panel_col:
        live_share.render(coach, ctx, db, user)  # "Let my therapist watch" (a logged-in patient only)
        active = (ctx is not None and bool(ctx.state.playing or ctx.state.signalling)) or coach.snapshot().stream_active
        st.fragment(_panel, run_every=PANEL_REFRESH_S if active else None)(coach, ctx, lib, routine, voice)
    _summary(lib, coach, db, user)
