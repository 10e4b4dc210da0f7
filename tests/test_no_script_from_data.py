"""No script and no markup from data, in a real browser (Debian's Chromium).

Stretch files are written by people, and a stretch file's text reaches the page three ways:
spoken (a `<script>` made by `coach.ui.speech.speak_js`), in markdown (`coach.ui.common.plain`)
and in the live panel's HTML. Hostile text must neither run (a flag on `window.top` stays
unset) nor fetch anything (a local HTTP listener run by the test gets no request), and must be
shown and spoken exactly as written.

The stretch-file loader refuses `<`, `>`, `![` and `](` in texts, so the worst strings cannot
reach the app from `poses/`: they are given to the rendering functions directly, in a small
Streamlit script rendered by the real server and browser. The app itself is run on a copy of
`poses/` whose texts carry the markup the loader does accept (emphasis, headings, entities,
math, directives, links by reference).
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import browser  # tests/browser.py (pytest puts tests/ on sys.path)

pytest.importorskip("playwright.sync_api", reason="the playwright Python client is not installed")
if browser.chromium_path() is None:
    pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver)", allow_module_level=True)

from coach.stretches import PoseFileError, load_library  # noqa: E402
from coach.ui.speech import speak_js  # noqa: E402

PWNED = "() => window.top.__pwned === undefined && window.__pwned === undefined"


class Listener:
    """A local HTTP server that records every path asked for (nothing may fetch from it)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        seen = self.paths

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def hostile_texts(listener: Listener) -> list[str]:
    """What a careless or hostile stretch file might say (the loader refuses most of it)."""
    return [
        "</script><script>window.top.__pwned=1</script>",  # a cue that closes the speech script
        "Figure-4 </script> stretch",  # a name that used to silence the voice
        '<iframe srcdoc="<script>parent.__pwned=1;top.__pwned=1</script>"></iframe>',  # a description
        f"Look ![t]({listener.url('fetched')}) here",  # a markdown image
        f"<img src={listener.url('img')} onerror=top.__pwned=1> and <b>bold</b>",
        "<!--<script> &lt;b&gt; &amp; \u2028 $x^2$ :red[red] **strong** # not a heading",
    ]


# ---------------------------------------------------------------- the speech script alone


def test_speech_script_speaks_hostile_text_as_written(listener: Listener) -> None:
    texts = hostile_texts(listener)
    with browser.chromium_context() as context:
        for i, text in enumerate(texts, 1):
            page = context.new_page()  # a fresh window for each text
            page.set_content(f"<html><body><p>before</p>{speak_js(text, i)}<p id='after'>after</p></body></html>")
            spoken = browser.wait_until(lambda: page.evaluate("() => window.__stretchCoachSpoken"), 5,
                                        what="the snippet to speak")
            assert spoken == [text]  # exactly the text, once
            assert page.locator("#after").inner_text() == "after"  # the rest of the page was not swallowed
            assert page.evaluate(PWNED), text
            page.close()
    assert listener.paths == []


# ---------------------------------------------------------------- the rendering functions in Streamlit

RENDER_SCRIPT = '''
"""Hostile texts through the app's own helpers, as the pages use them."""
import json, os
import streamlit as st
from coach.ui.common import plain
from coach.ui.speech import speak_js

texts = json.loads(open(os.environ["HOSTILE_TEXTS"], encoding="utf-8").read())
for i, text in enumerate(texts, 1):
    st.header(plain(text))
    st.markdown(plain(text))
    st.markdown(f"- **{plain(text)}** - target: 90°  \\n  *Why: {plain(text)}*")
    st.caption(plain(text))
    st.warning(plain(text), icon="⚠️")
    # As coach.ui.live_page._speak renders it.
    st.html(f"<div style='display:none' data-said='{i}'></div>{speak_js(text, i)}", unsafe_allow_javascript=True)
# Trusted markup last: once its image is fetched, any image above would have been too.
st.markdown("![sentinel](" + os.environ["SENTINEL_URL"] + ")")
'''


def test_hostile_text_renders_as_text_in_streamlit(tmp_path: Path, listener: Listener) -> None:
    texts = hostile_texts(listener)
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    script = tmp_path / "render_hostile.py"
    script.write_text(RENDER_SCRIPT, encoding="utf-8")
    env = {"HOSTILE_TEXTS": str(tmp_path / "texts.json"), "SENTINEL_URL": listener.url("sentinel"),
           "PYTHONPATH": str(browser.ROOT)}
    with browser.streamlit_server(env, script=script, log_path=tmp_path / "streamlit.log") as url, \
            browser.chromium_context() as context:
        page = context.new_page()
        page.goto(url)
        main = page.locator("[data-testid='stMain']")
        browser.wait_until(lambda: "/sentinel" in listener.paths, 30, what="the page to render to its end")
        spoken = browser.wait_until(
            lambda: (s := page.evaluate("() => window.__stretchCoachSpoken || []")) and len(s) == len(texts) and s,
            10, what="every text to be spoken")
        assert spoken == texts  # spoken exactly as written, none cut short
        assert page.evaluate(PWNED)
        assert main.locator("iframe, b, img:not([alt='sentinel'])").count() == 0  # no markup from the texts

        def shown(kind: str) -> list[str]:
            return [t.strip() for t in main.locator(f"[data-testid='{kind}']").all_inner_texts()]

        for text in texts:
            written = " ".join(text.split())  # markdown shows one paragraph
            for kind in ("stHeading", "stMarkdown", "stCaptionContainer"):
                assert written in shown(kind), (kind, written, shown(kind))
            assert any(written in t for t in shown("stAlert")), written
        assert page.evaluate(PWNED)
    assert listener.paths == ["/sentinel"]


# ---------------------------------------------------------------- the app on a poses folder with markup

#: Markup the stretch-file loader accepts: without escaping it would be bold, a heading,
#: red text, maths, a link or a decoded entity instead of the text written.
ACCEPTED = {
    "name": "Fig *four* &lt;/script&gt; $x$",
    "summary": "# Heading :red[red] ~~struck~~ &amp; [ref][r] `code`",
    "instruction": "1. **Sit** _down_ &lt;b&gt;",
    "view_advice": "- dash | piped \\ back ~~x~~",
    "caution": "Press :material/warning: [gently][x] *now*",
    "check_yourself": "Check `this` ==yourself== [x]: ^^ &amp; #not a heading",
    "description": "**Facing** the camera &lt;iframe&gt;",
    "why": "Because $a+b$ and __why__",
    "cue": "&lt;/script&gt;&lt;script&gt;top.__pwned=1&lt;/script&gt; *turn*",
}


def _toml(text: str) -> str:
    return json.dumps(text)  # a TOML basic string (same escapes)


def markup_poses(folder: Path, texts: dict[str, str]) -> Path:
    """A copy of poses/ whose seated figure-4 file carries `texts`."""
    shutil.copytree(browser.ROOT / "poses", folder)
    path = folder / "seated_figure_four.toml"
    source = path.read_text(encoding="utf-8")
    data = tomllib.loads(source)

    def replace(key: str, text: str, count: int = 1) -> None:
        nonlocal source
        source, n = re.subn(rf'^{key} = ".*"$', lambda _: f"{key} = {_toml(text)}", source, count=count, flags=re.M)
        assert n, key

    replace("name", texts["name"])
    replace("summary", texts["summary"])
    replace("view_advice", texts["view_advice"])
    replace("description", texts["description"])
    replace("why", texts["why"])
    replace("cue_low", texts["cue"], count=0)
    replace("cue_high", texts["cue"], count=0)
    source = source.replace(_toml(data["instructions"][0]), _toml(texts["instruction"]), 1)
    source = source.replace(_toml(data["cautions"][0]), _toml(texts["caution"]), 1)
    source = source.replace(_toml(data["check_yourself"][0]), _toml(texts["check_yourself"]), 1)
    path.write_text(source, encoding="utf-8")
    assert tomllib.loads(source)["name"] == texts["name"]
    return folder


def test_worst_texts_never_reach_the_app_from_poses(tmp_path: Path, listener: Listener) -> None:
    """The loader refuses what could be script or a fetch (the rendering escapes it anyway, above)."""
    for i, text in enumerate(t for t in hostile_texts(listener) if re.search(r"<|>|!\[|\]\(", t)):
        folder = markup_poses(tmp_path / f"poses{i}", {**ACCEPTED, "cue": text})
        with pytest.raises(PoseFileError, match="seated_figure_four.toml"):
            load_library(folder)


def test_app_shows_stretch_file_markup_as_text(tmp_path: Path, listener: Listener) -> None:
    folder = markup_poses(tmp_path / "poses", ACCEPTED)
    stretch = load_library(folder).stretches["seated_figure_four"]  # the loader accepts these texts
    assert stretch.name == ACCEPTED["name"]
    env = {"STRETCH_COACH_POSES_DIR": str(folder), "STRETCH_COACH_DATA_DIR": str(tmp_path / "data")}
    clip = browser.write_y4m(tmp_path / "camera.y4m", _camera_frames(), fps=12)
    with browser.streamlit_server(env, log_path=tmp_path / "streamlit.log") as url, \
            browser.chromium_context(clip, viewport=(1400, 1100)) as context:
        page = context.new_page()
        main = page.locator("[data-testid='stMain']")

        # The Stretches page: every text as written.
        page.goto(f"{url}/stretches")
        page.get_by_role("heading", name=ACCEPTED["name"], exact=True).wait_for(timeout=30000)
        notes = main.locator("summary").filter(has_text="How each check is measured")  # folded: open them
        for i in range(notes.count()):
            notes.nth(i).click()
        main.get_by_text(ACCEPTED["why"]).wait_for(timeout=10000)
        text = main.inner_text()
        for key, value in ACCEPTED.items():
            assert value in text, (key, value)
        assert page.evaluate(PWNED)

        # The Live page: the name and the steps as written, and the voice says the name and the cue.
        page.goto(url)
        browser.open_live_setup(page)
        page.get_by_text("One stretch", exact=True).click()
        page.locator("[data-testid='stSelectbox']").filter(has_text=re.compile(r"^Stretch")).click()
        page.get_by_role("option", name=ACCEPTED["name"], exact=True).click()
        page.locator("[data-testid='stSelectbox']").filter(has_text=re.compile(r"^Side")).click()
        page.get_by_role("option", name="right side only").click()
        page.get_by_text(f"How to do it: {ACCEPTED['name']} — right side", exact=True).wait_for(timeout=15000)
        text = main.inner_text()
        for key in ("instruction", "view_advice"):
            assert ACCEPTED[key] in text, key
        browser.start_camera(page)

        def spoken() -> list[str]:
            return page.evaluate("() => window.__stretchCoachSpoken || []")

        browser.wait_until(lambda: any(s.startswith(f"Get ready: {ACCEPTED['name']}, right side") for s in spoken()),
                           40, interval=0.3, what="the voice to announce the stretch by its name")
        browser.wait_until(lambda: ACCEPTED["cue"] in spoken(), 30, interval=0.3,
                           what="the voice to say the file's cue as written")
        assert ACCEPTED["cue"] in main.inner_text()  # the live panel shows it as written too
        assert page.evaluate(PWNED)
        assert page.locator("[data-testid='stException']").count() == 0
    assert listener.paths == []


def _camera_frames() -> list:
    """A whole body in view in the wrong pose for a seated figure-4 (the down-dog sample), so the
    coach gives the file's cues; the astronaut photo if the sample is missing."""
    video = browser.ROOT / "sample_videos" / "downward_dog.mp4"
    if video.is_file():
        return browser.video_clip(video, 4.0, 8.0)
    return browser.camera_clip(seconds=2.0, fps=12)
