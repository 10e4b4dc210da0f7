"""The set-up step on the Live page: a picture of the next position and a large Ready button.

While the routine waits for the person to move the laptop (the camera's view changes, e.g.
from the chair stretches to the downward dog on the floor), the panel shows the next
stretch's picture (the one on the Stretches page) and where the camera goes. The set-up
ends by itself once the camera sees the person in the new position; "Ready" ends it at
once (for a camera that cannot see them well), logged as "set-up: ready pressed".
"""

from __future__ import annotations

import streamlit as st

from coach import settings
from coach.live import LiveCoach, LiveSnapshot
from coach.stretches import Library
from coach.ui.common import plain

READY_KEY = "live_setup_ready"
#: Large enough to find and press from the floor, 2-3 m away (Streamlit adds ``st-key-<key>``).
READY_STYLE = (f"<style>.st-key-{READY_KEY} button {{min-height: 5rem}}"
               f".st-key-{READY_KEY} button p {{font-size: 2.5rem; font-weight: 700}}</style>")


def render(coach: LiveCoach, snap: LiveSnapshot, lib: Library) -> None:
    """The set-up step's picture and Ready button (nothing outside a set-up step)."""
    if snap.phase != "setup" or snap.done or snap.paused is not None:
        return
    stretch = lib.stretches.get(snap.stretch_id or "")
    if stretch is None:
        return
    st.html(READY_STYLE)
    st.button("Ready", on_click=coach.ready, type="primary", width="stretch", key=READY_KEY,
              help="Press when you are in place: the countdown starts (it also starts by itself once "
                   "the camera sees you)")
    st.caption(f"Next: **{plain(stretch.name)}**. **Camera:** {plain(stretch.view_advice)} "
               "The countdown starts when the camera sees you, or when you press Ready.")
    picture = settings.stretch_image(stretch.id)
    if picture is not None:
        st.image(str(picture), caption=f"{plain(stretch.name)}: the position to get into", width="stretch")
