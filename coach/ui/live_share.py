"""The Live page's "Let my therapist watch": a logged-in patient shares this session live.

Only a patient with an assigned therapist sees the button. While a share is on, a banner says
who can watch and who is watching, with the code to give them and *End sharing*; it refreshes
once a second (a fragment), so a share that ends by itself (the session ended, the time is
up) says so at once. The share itself lives in `coach.live.sharing.REGISTRY`; this page only
hands it the coach's `snapshot` and a way to find the camera component's output track, and
keeps the code in ``st.session_state`` (script thread only). Nothing is recorded by sharing.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy import select

from coach import settings
from coach.live import LiveCoach
from coach.live.sharing import ENDED_LOGGED_OUT, REGISTRY, ShareRefused
from coach.store import accounts, models
from coach.store.database import Database
from coach.ui.common import plain

CODE_KEY = "live_share_code"
NAMES_KEY = "live_share_names"
NOTE_KEY = "live_share_note"
REFRESH_S = 1.0
WATCH_PATH = "watch"  # the Watch page's url_path (`coach.ui.navigation`); ?watch=<code> opens a share


def therapists_of(db: Database, patient_id: int) -> dict[int, str]:
    """The therapists assigned to a patient: id -> username."""
    with db.session() as s:
        rows = s.execute(select(models.Therapist.id, models.Therapist.username)
                         .join(models.Assignment, models.Assignment.therapist_id == models.Therapist.id)
                         .where(models.Assignment.patient_id == patient_id)
                         .order_by(models.Therapist.username))
        return {int(row.id): str(row.username) for row in rows}


def render(coach: LiveCoach, ctx: Any, db: Database | None, user: accounts.User | None) -> None:
    """The share button or banner (nothing unless a patient is logged in). Ends a share whose
    patient logged out."""
    code = st.session_state.get(CODE_KEY)
    if db is None or user is None or user.role != "patient":
        if code:
            REGISTRY.end(code, ENDED_LOGGED_OUT)
            st.session_state.pop(CODE_KEY, None)
        return
    st.fragment(_box, run_every=REFRESH_S if code else None)(coach, ctx, db, user)


def _box(coach: LiveCoach, ctx: Any, db: Database, user: accounts.User) -> None:
    code = st.session_state.get(CODE_KEY)
    status = REGISTRY.status(code) if code else None
    if status is not None and status.live:
        names = " and ".join(st.session_state.get(NAMES_KEY, ()))
        minutes = max(1, round(status.remaining_s / 60))
        with st.container(border=True):
            left, right = st.columns([3, 1], vertical_alignment="center")
            left.markdown(f"**:material/visibility: Your therapist {plain(names)} can watch** this session "
                          f"live · code **{code}**")
            watching = ", ".join(status.watching)
            left.caption((f"Watching now: {plain(watching)}. " if watching else "Nobody is watching yet. ")
                         + f"Nothing is recorded; sharing ends with this session (at most {minutes} more "
                         f"min). Your therapist opens the Watch page with the code, or `/{WATCH_PATH}"
                         f"?watch={code}`.")
            if right.button("End sharing", key="live_share_end", type="primary", width="stretch"):
                REGISTRY.end(code)
                st.session_state.pop(CODE_KEY, None)
                st.session_state[NOTE_KEY] = "You ended sharing: nobody can watch now."
                st.rerun()  # the whole page: the banner stops refreshing
        return
    if status is not None:  # it ended by itself
        st.session_state.pop(CODE_KEY, None)
        st.session_state[NOTE_KEY] = f"Sharing ended: {status.ended} Nobody can watch now."
        st.rerun()
    note = st.session_state.get(NOTE_KEY)
    if note:
        st.caption(plain(note))
    therapists = therapists_of(db, user.id)
    if not therapists:
        st.caption("Sharing a session live with a therapist needs a therapist assigned to you.")
        return
    if st.button("Let my therapist watch", key="live_share_start", icon=":material/visibility:",
                 help=f"{', '.join(therapists.values())} can then watch this session live: the video with "
                      "the coach's drawing, the checks and the hold timer. Nothing is recorded; you can end "
                      "it at any moment and it ends with the session."):
        try:
            limit = settings.share_max_s()
        except settings.SettingsError as error:
            st.warning(f"The sharing time setting is wrong, so the default applies: {plain(str(error))}")
            limit = settings.share_max_s({})
        try:
            new = REGISTRY.start(user.id, accounts.display_name(db, user), frozenset(therapists),
                                 coach.snapshot, lambda: ctx.output_video_track if ctx is not None else None,
                                 limit)
        except ShareRefused as error:
            st.error(plain(str(error)))
            return
        st.session_state[CODE_KEY] = new
        st.session_state[NAMES_KEY] = tuple(therapists.values())
        st.session_state.pop(NOTE_KEY, None)
        st.rerun()  # the whole page: the banner refreshes itself from now on
