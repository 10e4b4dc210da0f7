"""Stretch Coach: the Streamlit app (`make app`).

Three pages: Live coach (camera), Review (a recorded video or a session log),
Stretches (what each stretch checks and why). Each page is a `render` function in
`coach/ui/`, listed in `coach/ui/navigation.py`.
"""

import logging

import streamlit as st

from coach.ui.navigation import all_pages

st.set_page_config(page_title="Stretch Coach", page_icon="🧘", layout="wide")
# streamlit-webrtc / aiortc log nothing unless a handler exists; warnings are worth seeing.
logging.getLogger("coach").setLevel(logging.INFO)
# Their errors too (a video worker that died, a failed connection). Not their warnings:
# streamlit-webrtc warns every time it drops a stale camera frame, which is by design here.
for _name in ("streamlit_webrtc", "aiortc", "aioice"):
    _logger = logging.getLogger(_name)
    if not any(getattr(h, "_stretch_coach", False) for h in _logger.handlers):
        _handler = logging.StreamHandler()
        _handler.setLevel(logging.ERROR)
        _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        _handler._stretch_coach = True  # type: ignore[attr-defined]  # added once per process
        _logger.addHandler(_handler)

# Pages along the top and no sidebar: on a laptop the live video needs the whole width, and
# it must sit above the fold for someone 2-3 m away (each page shows the health note itself).
page = st.navigation(all_pages(), position="top")
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:3.5rem;padding-bottom:2rem}</style>")
page.run()
