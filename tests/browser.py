"""Harness for real-browser tests: a Streamlit server, Debian's Chromium, a fake camera.

* `write_y4m`: a fake camera clip Chrome can play (`--use-file-for-fake-video-capture`):
  YUV4MPEG2 with a `C420jpeg` header and I420 frames; Chrome loops it.
* `write_y4m_stream`: the same for frames made one at a time (long clips).
* `camera_clip`: a few seconds of the astronaut photo swaying, 640×480 (ping-pong, so
  the loop has no jump).
* `streamlit_server`: `streamlit run app.py` on a free local port, waited for through
  `/_stcore/health`, stopped (by its own pid) afterwards; `streamlit_process` also
  yields the process (the live-path benchmark reads its CPU time).
* `chromium_context`: Playwright's Python client driving the system Chromium
  (never `playwright install`), with a fresh profile and the fake camera;
  `launch_chromium`: the same browser for several contexts (several sessions).
* `wait_until`: polling with a deadline instead of fixed sleeps.

Used by `tests/test_live_browser.py` and `tools/live_bench.py`; also handy by hand
(see `main()` below: screenshots of every page).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
T = TypeVar("T")

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str | None:
    """Debian's Chromium, if installed (`apt-get install -y chromium chromium-driver`)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def wait_until(condition: Callable[[], T], timeout: float, interval: float = 0.2, what: str = "condition") -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - keep polling; report the last one
            last_error = error
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


# ---------------------------------------------------------------- fake camera


def write_y4m(path: Path, frames_rgb: list[np.ndarray], fps: int = 30) -> Path:
    """Write RGB frames as a Y4M file (I420, `C420jpeg`) that Chrome's fake camera plays."""
    height, width = frames_rgb[0].shape[:2]
    return write_y4m_stream(path, frames_rgb, (width, height), fps)


def write_y4m_stream(path: Path, frames_rgb: Iterable[np.ndarray], size: tuple[int, int], fps: int = 30) -> Path:
    """`write_y4m` for frames made one at a time (a long clip need not fit in memory)."""
    width, height = size
    if width % 2 or height % 2:
        raise ValueError("Y4M I420 needs even width and height")
    with path.open("wb") as handle:
        handle.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for rgb in frames_rgb:
            if rgb.shape[:2] != (height, width):
                raise ValueError("all frames must have the same size")
            i420 = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)  # Y, then U, then V planes
            handle.write(b"FRAME\n")
            handle.write(i420.tobytes())
    return path


def camera_clip(seconds: float = 2.0, fps: int = 30, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """The astronaut photo swaying left and right on a dark background (loops seamlessly)."""
    bgr = cv2.imread(str(DATA / "astronaut.jpg"))
    if bgr is None:
        raise FileNotFoundError(DATA / "astronaut.jpg")
    photo = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    width, height = size
    side = min(width, height)
    scaled = cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA)
    count = max(2, int(seconds * fps))
    frames = []
    for i in range(count):
        phase = np.sin(2 * np.pi * i / count)
        x = int(round((width - side) / 2 + phase * (width - side) / 3))
        canvas = np.full((height, width, 3), 30, np.uint8)
        canvas[:, x:x + side] = scaled
        frames.append(canvas)
    return frames


def video_clip(path: Path, start_s: float, end_s: float, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """Frames of a video file between two times, resized (e.g. a sample video's correct hold)."""
    from coach.sources import VideoFileSource

    frames = [cv2.resize(f.rgb, size, interpolation=cv2.INTER_AREA)
              for f in VideoFileSource(path) if start_s <= f.timestamp_s < end_s]
    if len(frames) < 2:
        raise ValueError(f"{path}: no frames between {start_s} and {end_s} s")
    return frames


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None, timeout: float = 30.0,
                     log_path: Path | None = None, address: str | None = "127.0.0.1",
                     script: Path | None = None) -> Iterator[str]:
    """Run `streamlit run app.py` on a free port; yields its base URL."""
    with streamlit_process(env, timeout, log_path, address, script) as (url, _process):
        yield url


@contextlib.contextmanager
def streamlit_process(env: dict[str, str] | None = None, timeout: float = 30.0,
                      log_path: Path | None = None, address: str | None = "127.0.0.1",
                      script: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit_server`, yielding the base URL and the server's process (e.g. to read its CPU time).

    `address=None` passes no address: the server binds where the repo's `.streamlit/config.toml`
    says (it runs in the project folder, so that config applies to `script` too).
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(script or ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]
    if address is not None:
        command += ["--server.address", address]
    log = log_path.open("w+b") if log_path else tempfile.TemporaryFile()
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: process.poll() is not None or _healthy(url), timeout, what="streamlit /_stcore/health")
        if process.poll() is not None:
            log.flush()
            log.seek(0)
            tail = log.read()[-2000:].decode("utf-8", "replace")
            raise RuntimeError(f"streamlit exited with code {process.returncode}:\n{tail}")
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the process group we started, by its id
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        log.close()


# ---------------------------------------------------------------- browser


def _chromium_launch(fake_video: Path | None, extra_args: list[str] | None) -> tuple[str, list[str]]:
    """Debian's Chromium and its flags, with this clip as the fake camera."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("chromium is not installed")
    args = list(CHROMIUM_ARGS)
    if fake_video is not None:
        args.append(f"--use-file-for-fake-video-capture={fake_video}")
    args.extend(extra_args or [])
    return executable, args


@contextlib.contextmanager
def chromium_context(fake_video: Path | None = None, viewport: tuple[int, int] = (1400, 1000),
                     extra_args: list[str] | None = None) -> Iterator[Any]:
    """A Playwright persistent context on Debian's Chromium with a fake camera."""
    from playwright.sync_api import sync_playwright

    executable, args = _chromium_launch(fake_video, extra_args)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=args,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        try:
            yield context
        finally:
            context.close()


def launch_chromium(pw: Any, fake_video: Path | None = None, extra_args: list[str] | None = None) -> Any:
    """One Chromium process (a Playwright `Browser`, from a running `sync_playwright()` as `pw`)
    with a fake camera, for several contexts: each `new_context()` has its own cookies, so its own
    Streamlit session and login. The caller closes it."""
    executable, args = _chromium_launch(fake_video, extra_args)
    return pw.chromium.launch(executable_path=executable, headless=True, args=args)


def repeat_until(act: Callable[[float], None], outcome: Any, timeout: float, state: str = "visible",
                 again_after: float = 10.0) -> None:
    """Do ``act`` (given the milliseconds left) until ``outcome`` (a locator) reaches ``state``,
    doing it again when it has not after ``again_after`` seconds; fail after ``timeout``. For a
    click, key press or typing that a Streamlit rerun can swallow, as a person would retry it."""
    deadline = time.monotonic() + timeout
    while True:
        act(max(1.0, deadline - time.monotonic()) * 1000)
        try:
            outcome.wait_for(state=state, timeout=min(again_after, max(1.0, deadline - time.monotonic())) * 1000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: do it again
            if time.monotonic() > deadline:
                raise


def open_live_setup(page: Any) -> None:
    """Open the live page's set-up (routine, stretch, voice, model): a popover, so the video fits."""
    page.get_by_role("button", name=re.compile(r"Change the routine or settings")).first.click()
    page.get_by_text("One stretch", exact=True).wait_for(state="visible", timeout=10000)


def choose_one_stretch(page: Any, name: str, timeout_ms: float = 10000) -> None:
    """In the open set-up: "One stretch", then this stretch in its picker (which opens on the
    routine's first stretch); returns once its instructions show."""
    page.get_by_text("One stretch", exact=True).click()
    picker = page.locator("[data-testid='stSelectbox']").filter(has_text=re.compile(r"^Stretch"))
    picker.wait_for(timeout=timeout_ms)
    chosen = page.get_by_text(f"How to do it: {name}").first

    def pick(left_ms: float) -> None:  # a choice made during a rerun can be lost: made again
        if chosen.is_visible():
            return
        option = page.get_by_role("option", name=name)
        if not option.is_visible():
            picker.click(timeout=left_ms)
        try:
            option.click(timeout=min(left_ms, 3000.0))
        except Exception:  # noqa: BLE001 - the list closed in a rerun: repeat_until opens it again
            pass

    repeat_until(pick, chosen, timeout_ms / 1000, again_after=3.0)


def start_camera(page: Any, timeout: float = 30.0) -> None:
    """Press the camera component's START and wait until it runs (its button turns into the
    camera-off one). A click that lands while the page is still rerunning is repeated."""
    close_live_setup(page)
    component = page.frame_locator("iframe[title*='webrtc']")
    start = component.get_by_role("button", name=re.compile(r"^start$", re.I))
    running = component.get_by_role("button", name="Camera off (pauses)", exact=True)
    repeat_until(lambda left_ms: start.click(timeout=left_ms), running, timeout)


def log_in(page: Any, username: str, password: str, signed_in: Any, timeout: float = 30.0) -> None:
    """Fill the login form and press Log in until ``signed_in`` (a locator of what the page
    shows once logged in) appears. What was typed while the page was still rerunning (just
    after the form appeared) can be lost with the rerun's fresh form; then it is typed again,
    as a person would."""
    def type_and_log_in(left_ms: float) -> None:
        page.get_by_role("textbox", name="Username").fill(username, timeout=left_ms)
        page.get_by_role("textbox", name="Password").fill(password)
        page.get_by_role("button", name="Log in", exact=True).click()

    repeat_until(type_and_log_in, signed_in, timeout)


def close_live_setup(page: Any, timeout: float = 10.0) -> None:
    """Close the set-up popover (as a click elsewhere does; Escape is harmless when it is closed).
    Escape is pressed again while the popover stays open: the first press can close only a
    dropdown inside it, or land during the rerun a choice in it started (CI, under load)."""
    repeat_until(lambda _left_ms: page.keyboard.press("Escape"), page.get_by_text("One stretch", exact=True),
                 timeout, state="hidden", again_after=2.0)


def main() -> None:  # pragma: no cover - a developer tool
    """Screenshots of every page into test-artifacts/ (run: .venv/bin/python tests/browser.py)."""
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as data, streamlit_server({"STRETCH_COACH_DATA_DIR": data}) as url, \
            chromium_context() as context:
        page = context.new_page()
        for name, path, title in (("page-live", "", "Live coach"), ("page-review", "review", "Review"),
                                  ("page-stretches", "stretches", "Stretches"), ("page-patients", "clinic", "Patients")):
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name=title, exact=True).wait_for(timeout=20000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")


if __name__ == "__main__":  # pragma: no cover
    main()
