"""Stretches page: every stretch in `poses/`, in plain words, in the order they are done.

Every text from a stretch file goes through `common.plain`: shown as written, never as markup.
"""

from __future__ import annotations

import streamlit as st

from coach.stretches import Stretch, fill_sides
from coach import settings
from coach.ui import common
from coach.ui.common import plain

VIEW_WORDS = {
    "front": "Face the camera (front view)",
    "side": "Side-on to the camera",
    "either": "Front or side view",
}


def _cues(stretch: Stretch, side: str | None) -> list[str]:
    """The coach's corrections for this stretch: the common mistakes, one per line."""
    cues = []
    for check in sorted(stretch.checks, key=lambda c: c.priority):
        for cue in (check.cue_low, check.cue_high):
            if cue:
                cues.append(fill_sides(cue, side))  # type: ignore[arg-type]
    return list(dict.fromkeys(cues))


def render_stretch(stretch: Stretch) -> None:
    side = "right" if stretch.has_sides else None
    st.header(plain(stretch.name), anchor=stretch.id)
    st.markdown(plain(stretch.summary))
    if stretch.benefit:
        st.markdown(f"**Why do it:** {plain(fill_sides(stretch.benefit, side))}")  # type: ignore[arg-type]
    picture = settings.stretch_image(stretch.id)
    info, text = st.columns([2, 3]) if picture else (None, st.container())
    if picture and info is not None:
        with info:
            st.image(str(picture), caption=f"{plain(stretch.name)}: the correct pose", width="stretch")
    with text:
        facts = [f"**Camera:** {VIEW_WORDS.get(stretch.view, stretch.view)}",
                 f"**Hold:** {stretch.hold_seconds:g} s"
                 + (f" × {stretch.reps}" if stretch.reps > 1 else "")
                 + (", each side" if stretch.has_sides else "")]
        st.markdown(" · ".join(facts))
        st.markdown(f"**Where to put the camera.** {plain(stretch.view_advice)}")
        steps_title = "**How to do it**" + (" (shown for the right side; swap left and right for the other)"
                                            if stretch.has_sides else "")
        st.markdown(steps_title)
        st.markdown("\n".join(f"{i}. {plain(fill_sides(step, side))}"  # type: ignore[arg-type]
                              for i, step in enumerate(stretch.instructions, 1)))
        if stretch.side_note:
            st.caption(plain(stretch.side_note))
    for caution in stretch.cautions:
        st.warning(plain(caution), icon="⚠️")
    st.markdown("**What the coach checks**")
    checks = sorted(stretch.checks, key=lambda c: c.priority)
    st.markdown("\n".join(
        f"- **{plain(fill_sides(check.description, side))}**"  # type: ignore[arg-type]
        + ("" if check.gate else " *(advice only: does not stop the timer)*") for check in checks))
    # The measurement notes (limits, how they were chosen, on what) are for the curious and for
    # therapists: shown in full, but folded, so the list above stays readable for a patient.
    with st.expander("How each check is measured, and its limit (technical notes)"):
        st.markdown("\n".join(
            f"- **{plain(fill_sides(check.description, side))}** — target: "  # type: ignore[arg-type]
            f"{plain(common.target_words(check.target.min, check.target.max, check.unit))}"
            + (f"  \n  {plain(check.why)}" if check.why else "") for check in checks))
    if stretch.check_yourself:
        st.markdown("**What the camera cannot check: check it yourself**")
        st.markdown("\n".join(f"- {plain(fill_sides(text, side))}"  # type: ignore[arg-type]
                              for text in stretch.check_yourself))
    mistakes = _cues(stretch, side)
    if mistakes:
        st.markdown("**Common mistakes, and what the coach will say**")
        st.markdown("\n".join(f"- “{plain(cue)}”" for cue in mistakes))


def render() -> None:
    st.title("Stretches")
    common.health_note()
    lib = common.library()
    st.markdown(
        "Every stretch the coach knows, what it checks and why. The hold timer counts only while "
        "the shape of the stretch is right (every check not marked *advice only*); how deep you go "
        "is advice and never stops it. Routines: "
        + "; ".join(f"**{plain(r.name)}** ({plain(r.description)})" if r.description else f"**{plain(r.name)}**"
                    for r in lib.routines.values())
    )
    stretches = common.in_routine_order(lib)
    st.markdown(" · ".join(f"[{plain(s.name)}](#{s.id})" for s in stretches))
    for stretch in stretches:
        st.divider()
        render_stretch(stretch)
