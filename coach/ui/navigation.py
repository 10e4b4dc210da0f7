"""The app's pages in one table: `app.py` registers them and pages link to each other through it.

Each page is the `render` function of one module in `coach/ui/` (Streamlit accepts a
callable in `st.Page`). Modules are imported when a page is built, so a page can link to
another without importing it at load time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import streamlit as st

from coach.ui import auth


@dataclass(frozen=True)
class PageSpec:
    url_path: str
    title: str
    icon: str
    module: str  # its `render()` draws the page
    therapists_only: bool = False  # listed in the menu only for a logged-in therapist (its URL always works)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("live", "Live coach", ":material/videocam:", "coach.ui.live_page"),
    PageSpec("review", "Review", ":material/analytics:", "coach.ui.review_page"),
    PageSpec("stretches", "Stretches", ":material/self_improvement:", "coach.ui.stretches_page"),
    PageSpec("clinic", "Patients", ":material/clinical_notes:", "coach.ui.clinic_page"),
    PageSpec("watch", "Watch", ":material/visibility:", "coach.ui.watch_page", therapists_only=True),
)


def page(url_path: str, therapist: bool = False) -> st.Page:
    """The `st.Page` of a page (the first one is the default). A therapists-only page is hidden
    from the menu unless ``therapist``, yet opens from its URL (e.g. a shared ``/watch?watch=CODE``
    link, which then asks the therapist to log in)."""
    spec = next(p for p in PAGES if p.url_path == url_path)
    render = importlib.import_module(spec.module).render
    visible = therapist or not spec.therapists_only
    return st.Page(render, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                   default=spec is PAGES[0], visibility="visible" if visible else "hidden")


def all_pages() -> list[st.Page]:
    user = auth.current_user()
    therapist = user is not None and user.role == "therapist"
    return [page(p.url_path, therapist) for p in PAGES]
