"""Helpers shared by the pages: the stretch library, the health note, plain words, `plain` text."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from coach.stretches import Library, Stretch, load_library
from coach.ui.words import target_words, unit_words, value_words  # noqa: F401 (re-exported)

HEALTH_NOTE = (
    "**Not a diagnosis and not a medical device.** Stretch Coach checks the shape of a stretch "
    "from one camera; it cannot feel what your body feels. Stretch gently and "
    "**stop if pain, tingling or numbness increases**. Ask a doctor or physiotherapist about "
    "persistent or worsening sciatica."
)


def library() -> Library:
    """Every stretch and routine of the poses folder (`STRETCH_COACH_POSES_DIR`, default `poses/`)."""
    from coach import settings

    return _library(str(settings.poses_dir()))


@st.cache_resource(show_spinner=False)
def _library(folder: str) -> Library:
    """Loaded once per server and folder."""
    return load_library(Path(folder))


#: The routine the Live page starts with, so its stretches come first in every list of stretches.
FIRST_ROUTINE = "sciatica"


def in_routine_order(lib: Library) -> list[Stretch]:
    """The stretches of the routines in the order a routine does them (the first routine first,
    then the others), then any stretch no routine uses, alphabetically by name: the Stretches
    page's order and the stretch pickers' (whose first entry is their default)."""
    routines = sorted(lib.routines.values(), key=lambda r: (r.id != FIRST_ROUTINE, r.name.casefold()))
    ids = [step.stretch_id for routine in routines for step in routine.steps if step.stretch_id in lib.stretches]
    ordered = list(dict.fromkeys(ids))
    rest = sorted((s for s in lib.stretches.values() if s.id not in ordered), key=lambda s: s.name.casefold())
    return [lib.stretches[i] for i in ordered] + rest


#: Characters that start inline markup anywhere in a line: emphasis, code, links and images
#: (`[`), HTML and autolinks (`<`), entities (`&`), strikethrough, math (`$`), the escape
#: itself; a colon before a word (Streamlit's directives: `:red[...]`, even a bare `:red`);
#: the colon of `://` and the dot of `www.` (a bare address becomes a link, which would show
#: the escapes inside it as backslashes); the slash of an icon name (`:material/warning:`).
#: A backslash before any of them shows the character
#: itself (CommonMark). An `_` inside a word (`chest_turned`) never starts emphasis: kept.
_INLINE = re.compile(r"[\\`*\[\]<>&$~_/]|:(?=[\w/])|(?<=\b[wW]{3})\.")
_ICON_NAME = re.compile(r":\w+$")
#: What starts a block at the beginning of the text (heading, list, quote, rule): escaped there
#: only, so ordinary punctuation stays readable in the page's markdown source.
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])|^([#+\-=|])")


def _letter(text: str, at: int) -> bool:
    return 0 <= at < len(text) and text[at].isalnum()


def _escape(match: re.Match[str]) -> str:
    text, at = match.string, match.start()
    if match[0] == "_" and _letter(text, at - 1) and _letter(text, at + 1):
        return "_"
    if match[0] == "/" and not _ICON_NAME.search(text, 0, at):
        return "/"  # only the slash of an icon (`:material/warning:`) needs escaping
    return "\\" + match[0]


def plain(text: str) -> str:
    """`text` from data (stretch files, logs) made safe for `st.markdown` and the other
    markdown-rendering elements (headers, captions, alerts): shown exactly as written, as one
    paragraph, never as markup. A stretch file is written by people; a cue such as
    `![t](http://...)` must not make the browser fetch anything, `<iframe ...>` must not render.
    """
    escaped = _INLINE.sub(_escape, " ".join(str(text).split()))
    return _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", escaped)


def health_note(compact: bool = False) -> None:
    if compact:
        st.caption(
            "⚠️ Not a diagnosis. Stretch gently; **stop if pain, tingling or numbness increases.**"
        )
    else:
        st.warning(HEALTH_NOTE, icon="⚠️")
