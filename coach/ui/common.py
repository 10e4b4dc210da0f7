"""Helpers shared by the pages: the stretch library, the health note, plain words."""

from __future__ import annotations

import streamlit as st

from coach.stretches import Library, Routine, RoutineStep, Stretch, load_library
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


def stretch_routine(stretch: Stretch, sides: tuple[str | None, ...] | None = None, countdown_s: float = 5.0) -> Routine:
    """A routine of one stretch on the chosen sides (default: both, right first)."""
    chosen = sides or stretch.sides()
    step = RoutineStep(stretch.id, chosen, stretch.reps, stretch.hold_seconds, stretch.rest_seconds)  # type: ignore[arg-type]
    return Routine(stretch.id, stretch.name, stretch.summary, countdown_s, (step,))
