"""Helpers shared by the pages: the stretch library, the health note, plain words."""

from __future__ import annotations

import streamlit as st

from coach.routine import stretch_routine  # noqa: F401 (re-exported for the pages)
from coach.stretches import Library, load_library
from coach.ui.words import target_words, unit_words, value_words  # noqa: F401 (re-exported)

HEALTH_NOTE = (
    "**Not a diagnosis and not a medical device.** Stretch Coach checks the shape of a stretch "
    "from one camera; it cannot feel what your body feels. Stretch gently and "
    "**stop if pain, tingling or numbness increases**. Ask a doctor or physiotherapist about "
    "persistent or worsening sciatica."
)


@st.cache_resource(show_spinner=False)
def library() -> Library:
    """Every stretch and routine in `poses/` (loaded once per server)."""
    return load_library()


def health_note(compact: bool = False) -> None:
    if compact:
        st.caption(
            "⚠️ Not a diagnosis. Stretch gently; **stop if pain, tingling or numbness increases.**"
        )
    else:
        st.warning(HEALTH_NOTE, icon="⚠️")
