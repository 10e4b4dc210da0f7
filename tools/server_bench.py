"""What one server holds: several live sessions at once on one Streamlit server (`make bench`).

A benchmark, not a test: it prints figures and fails only if a part could not run. Two parts,
each against ONE `streamlit run app.py` (STRETCH_COACH_BENCH_STAMP=1, and the stretches with
the downward dog's hold made 10 minutes long so no session, and no share, ends during a run)
and Debian's Chromium with a fake camera (the rendered downward dog, 640×480, 30 fps, the clip
`tools/live_bench.py` makes), the full pose model:

* **levels** (`--sessions 1,2,3`): for each level a fresh server and that many patients, each
  in its own browser context of one Chromium (its own cookies, so its own Streamlit session,
  coach, judge thread and pose-model process; `--browser-per-session`: a Chromium each), all
  with the camera on; after a warm-up, one window of `--seconds` (default 20) with all running;
* **viewer**: one patient logs in (a temporary SQLite database with the patient and her
  assigned therapist, as `tests/test_watch_browser.py` makes it), picks the dog, turns on "Let
  my therapist watch" and starts the camera; then windows of `--viewer-seconds` (default 10)
  with nobody watching (A) and with the therapist watching (B) in turn, A B A B A B A
  (`--viewer-rounds 3`): the therapist, logged in in a Chromium of their own, types the code
  on the Watch page, and leaves for the Patients page (which ends their stream at once).
  Each B lies between two As, so a drift of the machine's load or of the stream (the bitrate
  ramps up, the browser's jitter buffer grows after a hiccup) does not pass for the viewer's
  cost: measured once each, one after the other (A then B), the patient's latency with a
  viewer looked 1.4-2.8× on this machine; interleaved like this, 1.0-1.25× (single pairs
  0.8-1.3×) on 2026-12-05.

Per session: distinct processed frames shown a second, frames judged a second (the coach's
judge thread: the judged frame's number is stamped into every frame), capture→display
latency (median, p95), callback→display, the browser's jitter buffer and what the browser's
camera sent. Per window: CPU of the server's process tree (the Streamlit process, with its
event-loop thread apart, and the pose-model processes) in cores and per session, each
browser's cores, the whole machine's, the load average and the busiest other programs: the
browsers run on the same cores as the server here, unlike in a clinic.

How it measures (`tools/live_bench.py`'s machinery, imported):

* the app stamps `time.time()` (ms), a callback count and the judged frame's number into
  every frame it returns (bar codes, `coach/live/bench_stamp.py`); each frame of the fake
  camera carries its index;
* a script in every frame of each page records, for each frame an output <video> shows,
  its display time (`performance.timeOrigin + expectedDisplayTime`: the machine's clock) and
  the codes read back, and the capture time of each camera frame by its index;
* everything is timed from those timestamps, never from frame counts: a window is a
  wall-clock interval and only frames displayed in it count. Distinct fps = distinct callback
  counts shown / window; judged fps = advance of the judged frame's number / time between the
  first and last frame read; capture→display = display time − capture time of the camera
  frame the shown frame was made from; callback→display = display time − the stamp;
* the Watch page's <video> shows the patient's own processed frames (forked by the relay), so
  the same codes give the viewer's fps and latency against the patient page's capture times;
* the fake camera's indexes repeat with its 8 s loop, so a frame shown more than 7.5 s after
  its capture cannot be matched: under overload frames queue for longer than that, and then
  capture→display says "unmatched" and callback→display tells the delay;
* CPU: utime + stime from /proc/<pid>/stat (and /proc/<pid>/task/<pid>/stat for the event
  loop, Streamlit's main thread) at the start and end of each window; /proc/stat for the
  machine.

Run: `.venv/bin/python tools/server_bench.py` (about 4-5 minutes; needs Debian's chromium and
the playwright Python client: exits with code 2 and a message if either is missing).
Options: --sessions, --seconds, --warmup, --viewer-rounds, --viewer-seconds, --no-levels,
--no-viewer, --browser-per-session, --viewer-nice (experiment: the therapist's browser at a
lower CPU priority, as if on another computer), --logs DIR (keep the servers' logs). Writes
build/server_bench.json; on a failure, screenshots in test-artifacts/server-bench-*.png.
Results and what they mean: docs/deploy.md, "What one server holds".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import live_bench as lb  # noqa: E402  (puts tests/ and the project on sys.path)

browser = lb.browser  # tests/browser.py

OUT_JSON = lb.ROOT / "build" / "server_bench.json"
VIEWPORT = {"width": lb.VIEWPORT[0], "height": lb.VIEWPORT[1]}
PASSWORD = "bench horse battery"
PATIENT, THERAPIST = ("Ann Example", "ann"), "drlee"
STALL_BIN = 0.0  # a 2-s bin with no new frame shown: the session stalled there
LOG_DIR: Path | None = None  # --logs: keep the servers' logs here
MATCH_MS = 3000.0  # set in main: just under the fake camera's loop (its frame indexes repeat)
HOLD_S = 600  # the downward dog's hold here (the most a pose file allows): no session ends in a run
STEP_MS = 60000  # a page step (log in, share, open the Watch page); generous: the machine may be busy


# ---------------------------------------------------------------- browsers and pages


def launch(stack: contextlib.ExitStack, pw: Any, y4m: Path) -> Any:
    """A Chromium process with the fake camera, closed when `stack` closes."""
    chromium = browser.launch_chromium(pw, y4m)
    stack.callback(chromium.close)
    return chromium


def long_hold_poses(workdir: Path) -> Path:
    """The project's stretches with the downward dog held 10 minutes (`STRETCH_COACH_POSES_DIR`):
    its real 30 s hold would end the session, its share and its steady load within a window."""
    folder = workdir / "poses"
    if not folder.is_dir():
        shutil.copytree(lb.ROOT / "poses", folder)
        path = folder / "downward_dog.toml"
        text, count = re.subn(r"(?m)^hold_seconds = \d+", f"hold_seconds = {HOLD_S}", path.read_text())
        if count != 1:
            raise RuntimeError(f"{path}: no single hold_seconds line to lengthen")
        path.write_text(text)
    return folder


def chromium_roots() -> set[int]:
    """Our Chromium main processes (a Chromium whose parent is not one): one per browser launched."""
    tree = lb._children()
    ours = lb._descendants(os.getpid(), tree)
    parent = {child: ppid for ppid, children in tree.items() for child in children}
    return {p for p in ours
            if "chrom" in lb._comm(p).lower() and "chrom" not in lb._comm(parent.get(p, 0)).lower()}


def renice(roots: set[int], nice: int) -> None:
    """Lower the CPU priority of these browsers' processes (experiment: the viewer as if elsewhere)."""
    tree = lb._children()
    for root in roots:
        for pid in lb._descendants(root, tree):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, nice)


SCREENSHOTS = lb.ROOT / "test-artifacts"


@contextlib.contextmanager
def screenshots_on_failure(pages: dict[str, Any]) -> Any:
    """On an exception, a screenshot of each page opened so far (test-artifacts/server-bench-*.png)."""
    try:
        yield
    except Exception:
        SCREENSHOTS.mkdir(exist_ok=True)
        for name, page in pages.items():
            with contextlib.suppress(Exception):
                page.screenshot(path=str(SCREENSHOTS / f"server-bench-{name}.png"))
        raise


def new_page(chromium: Any) -> Any:
    """A page in a new context (its own cookies: its own Streamlit session) with the recorder."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.add_init_script(lb.init_js(None, None))
    return context.new_page()


def log_in(page: Any, username: str, then: Any) -> None:
    """Log in and wait for the locator `then`; a click lost while the page was rerunning (seen on
    a busy machine) is repeated."""
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    button = page.get_by_role("button", name="Log in")
    deadline = time.monotonic() + STEP_MS / 1000
    while True:
        with contextlib.suppress(Exception):
            button.click(timeout=5000)
        try:
            then.wait_for(timeout=15000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: press Log in again
            if time.monotonic() > deadline:
                raise


def make_clinic(url: str) -> None:
    """A patient and her therapist, assigned (as tests/test_watch_browser.py does)."""
    from coach.store import accounts
    from coach.store.database import open_database

    db = open_database(url)
    try:
        patient = accounts.add_patient(db, PATIENT[0], PATIENT[1], PASSWORD)
        therapist = accounts.add_therapist(db, THERAPIST, PASSWORD)
        accounts.assign(db, therapist.id, patient.id)
    finally:
        db.close()


def panel_text(page: Any) -> str:
    try:
        return str(page.locator("[data-testid='stMain']").inner_text(timeout=5000))
    except Exception as error:  # noqa: BLE001 - a figure missing from the report, not a failure
        return f"(panel unreadable: {error})"


# ---------------------------------------------------------------- windows


def thread_cpu_seconds(pid: int, tid: int) -> float:
    """utime + stime of one thread (the main thread's id is the process id)."""
    try:
        text = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rtp_stats(video: Any) -> list[dict[str, Any]]:
    try:
        return video.evaluate(f"async v => await {lb.LB}.stats()")  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - a figure missing from the report, not a failure
        return []


def measure(server_pid: int, seconds: float, videos: dict[str, Any],
            browser_roots: dict[str, set[int]] | None = None) -> dict[str, Any]:
    """Sleep through one window; its wall-clock bounds (ms), the CPU used in it (also by each named
    browser, by its main processes), and the WebRTC counters of each named <video>'s page
    (`live_bench.rtp_summary`: jitter buffer, decode, bitrate)."""
    stats0 = {name: rtp_stats(v) for name, v in videos.items()}
    loop0 = thread_cpu_seconds(server_pid, server_pid)
    before = lb.cpu_snapshot(server_pid)
    everything = lb.all_cpu()
    stat0 = lb.cpu_stat()
    load0 = lb.machine_load()["loadavg_1_5_15"]
    wall0 = time.time() * 1000.0
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    after = lb.cpu_snapshot(server_pid)
    loop1 = thread_cpu_seconds(server_pid, server_pid)
    stat1 = lb.cpu_stat()
    wall1 = time.time() * 1000.0
    rtp = {name: lb.rtp_summary(stats0[name], rtp_stats(v), elapsed) for name, v in videos.items()}
    tree = lb._children()
    by_browser = {}
    for name, roots in (browser_roots or {}).items():
        pids = {p for root in roots for p in lb._descendants(root, tree)}
        by_browser[name] = round(sum(t - before["browser"].get(p, 0.0) for p, t in after["browser"].items()
                                     if p in pids) / elapsed, 2)
    mine = set(after["server"]) | set(after["browser"]) | {os.getpid()}
    return {
        "wall_ms": (wall0, wall1),
        "seconds": round(elapsed, 2),
        "cpu_cores": lb.cpu_used(before, after, elapsed),
        # The Streamlit process (its event loop runs every session's video callback and WebRTC
        # I/O, on one thread) and the pose-model processes (one a session, its children).
        "server_split_cores": {
            "streamlit process": round((after["server"].get(server_pid, 0.0)
                                        - before["server"].get(server_pid, 0.0)) / elapsed, 2),
            "of which its event-loop thread": round((loop1 - loop0) / elapsed, 2),
            "pose-model processes": round(sum(t - before["server"].get(p, 0.0) for p, t in after["server"].items()
                                              if p != server_pid) / elapsed, 2),
        },
        "server_processes": len(after["server"]),
        "browser_cpu_by_process": lb.browser_cpu_by_type(before["browser"], after["browser"], elapsed),
        "machine_cpu": lb.machine_cpu(stat0, stat1, elapsed),
        "load_before": load0,
        "load_after": lb.machine_load()["loadavg_1_5_15"],
        "other_busy_processes": lb.busiest_other_processes(mine, everything, elapsed),
        "rtp": rtp,
        "browser_cores_by_browser": by_browser,
    }


def session_figures(data: dict[str, Any], cam: list[list[float]], window: tuple[float, float]) -> dict[str, Any]:
    """`live_bench.analyse` of one page's frames in one window, and whether it held up.

    Capture→display matches a shown frame to the capture of its camera index at most MATCH_MS
    earlier; the indexes repeat with the clip's loop, so when frames are older than that
    (overload: they queue) a match is a wrong, later capture. Then capture→display is flagged
    unreliable and callback→display (from the stamp, no matching) tells the delay."""
    result = lb.analyse(data["out"], cam, window, max_latency_ms=MATCH_MS)
    cb = result["callback_to_display_ms"]["median"]
    cap_cb = result["capture_to_callback_ms"]["median"]
    result["capture_to_display_unreliable"] = bool((cb is not None and cb > MATCH_MS)
                                                   or (cap_cb is not None and cap_cb < 0))
    matched = result["capture_to_display_ms"]["frames"]
    shown = result["distinct_shown"]
    result["latency_matched_fraction"] = round(matched / shown, 2) if shown else 0.0
    result["stalled_2s_bins"] = sum(1 for n in result["distinct_shown_fps_every_2s"] if n <= STALL_BIN)
    result["page_errors"] = data["errors"][:5]
    return result


def coached_fps(text: str) -> int | None:
    found = re.search(r"(\d+) frames/s coached", text)
    return int(found.group(1)) if found else None


# ---------------------------------------------------------------- the two parts


def run_level(count: int, y4m: Path, seconds: float, warmup: float, workdir: Path, separate: bool) -> dict[str, Any]:
    """`count` live sessions at once on one server; one window with all of them running."""
    from playwright.sync_api import sync_playwright

    env = {"STRETCH_COACH_DATA_DIR": str(workdir / f"data-{count}"), "STRETCH_COACH_BENCH_STAMP": "1",
           "STRETCH_COACH_POSES_DIR": str(long_hold_poses(workdir))}
    log = (LOG_DIR or workdir) / f"streamlit-level-{count}.log"
    with contextlib.ExitStack() as stack:
        url, server = stack.enter_context(browser.streamlit_process(env, log_path=log))
        pw = stack.enter_context(sync_playwright())
        chromiums = [launch(stack, pw, y4m) for _ in range(count if separate else 1)] * (1 if separate else count)
        pages, videos, starts = [], [], []
        shots: dict[str, Any] = {}  # filled as the pages open
        stack.enter_context(screenshots_on_failure(shots))
        for chromium in chromiums:
            page = new_page(chromium)
            shots[f"level{count}-session{len(shots) + 1}"] = page
            page.goto(url)
            page.get_by_text("Waiting for the camera").first.wait_for(timeout=STEP_MS)
            lb.choose_downward_dog(page)
            t0 = time.monotonic()
            videos.append(lb.start_stamped_video(page, timeout=STEP_MS / 1000))
            starts.append(round(time.monotonic() - t0, 1))
            pages.append(page)
        time.sleep(warmup)
        window = measure(server.pid, seconds, {f"session {i + 1}": v for i, v in enumerate(videos)})
        datas = [lb.page_data(v) for v in videos]
        panels = [panel_text(p) for p in pages]
        ok = server.poll() is None
    sessions = []
    for data, panel, start_s in zip(datas, panels, starts, strict=True):
        figures = session_figures(data, data["cam"], window["wall_ms"])
        figures["start_to_stamped_frames_s"] = start_s
        figures["panel_coached_fps"] = coached_fps(panel)
        sessions.append(figures)
    server_cores = window["cpu_cores"]["server"]
    return {
        "sessions": sessions,
        "window": window,
        "server_cores_per_session": round(server_cores / count, 2),
        "server_alive_after": ok,
        "browsers": "one Chromium process per session" if separate else "one Chromium, a context per session",
    }


def run_viewer(y4m: Path, seconds: float, warmup: float, workdir: Path, rounds: int,
               viewer_nice: int) -> dict[str, Any]:
    """One sharing patient, and windows with nobody watching and with the therapist watching in
    turn (A B A B … A: each with-viewer window has one without on either side, so a drift of the
    machine's load or of the stream over time does not pass for the viewer's cost). The therapist
    joins from the Watch page (the code typed in) and leaves for another page of the app (which
    ends their stream at once; closing the tab instead leaves the server sending to it until ICE
    consent expires, ~30 s)."""
    from playwright.sync_api import sync_playwright

    db_url = f"sqlite:///{workdir / 'clinic.db'}"
    make_clinic(db_url)
    env = {"STRETCH_COACH_DATA_DIR": str(workdir / "data-viewer"), "STRETCH_COACH_DATABASE_URL": db_url,
           "STRETCH_COACH_BENCH_STAMP": "1", "STRETCH_COACH_POSES_DIR": str(long_hold_poses(workdir))}
    log = (LOG_DIR or workdir) / "streamlit-viewer.log"
    notes: list[str] = []
    windows: list[dict[str, Any]] = []
    viewer_datas: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        url, server = stack.enter_context(browser.streamlit_process(env, log_path=log))
        pw = stack.enter_context(sync_playwright())
        patient_browser = launch(stack, pw, y4m)
        roots = {"patient's browser": chromium_roots()}
        # The therapist: another person's computer, so a Chromium process of their own (its CPU
        # is then told apart from the patient's browser's).
        therapist_browser = launch(stack, pw, y4m)
        roots["therapist's browser"] = chromium_roots() - roots["patient's browser"]
        patient = new_page(patient_browser)
        therapist = new_page(therapist_browser)
        stack.enter_context(screenshots_on_failure({"patient": patient, "therapist": therapist}))
        patient.goto(url)
        patient.get_by_text("Log in, so your sessions are saved for your therapist").click()
        log_in(patient, PATIENT[1], patient.get_by_text(f"Logged in as {PATIENT[0]}."))
        lb.choose_downward_dog(patient)
        browser.close_live_setup(patient)
        patient.get_by_role("button", name="Let my therapist watch").click()
        patient.get_by_text(f"Your therapist {THERAPIST} can watch").wait_for(timeout=STEP_MS)
        code = browser.wait_until(lambda: re.search(r"code ([2-9A-Z]{8})", panel_text(patient)), 10,
                                  what="the share code").group(1)
        video = lb.start_stamped_video(patient, timeout=STEP_MS / 1000)
        therapist.goto(f"{url}/watch")
        log_in(therapist, THERAPIST, therapist.get_by_role("textbox", name="Share code"))
        if viewer_nice:
            renice(roots["therapist's browser"], viewer_nice)
        time.sleep(warmup)
        for index in range(2 * rounds + 1):
            if index % 2 == 0:
                windows.append({"viewer": False, "window": measure(server.pid, seconds, {"patient": video}, roots)})
                if index == 2 * rounds:
                    break
                # The therapist joins: the Watch page, the code typed in, until stamped frames show.
                t0 = time.monotonic()
                if index:
                    therapist.get_by_role("link", name="Watch").first.click()
                box = therapist.get_by_role("textbox", name="Share code")
                box.fill(code)
                box.press("Enter")
                therapist.get_by_text(f"Watching {PATIENT[0]} live.").wait_for(timeout=STEP_MS)
                watch_video = lb.output_video(therapist)
                lb.wait_for_stamps(watch_video, STEP_MS / 1000)
                joined_s = round(time.monotonic() - t0, 1)
                if viewer_nice:
                    renice(roots["therapist's browser"], viewer_nice)  # processes started since
                time.sleep(min(warmup, 3.0))
                continue
            window = measure(server.pid, seconds, {"patient": video, "viewer": watch_video}, roots)
            if "Watching now:" not in panel_text(patient):
                notes.append(f"window {index + 1}: the patient's banner did not say 'Watching now'")
            viewer_datas.append(lb.page_data(watch_video))
            windows.append({"viewer": True, "window": window, "viewer_joined_s": joined_s,
                            "viewer_coached_fps_on_panel": coached_fps(panel_text(therapist))})
            # The therapist leaves for another page of the app: their stream ends at once.
            t0 = time.monotonic()
            therapist.get_by_role("link", name="Patients").first.click()
            try:
                therapist.wait_for_url(re.compile(r"/clinic"), timeout=STEP_MS)
                browser.wait_until(lambda: "Nobody is watching yet" in panel_text(patient), 20, interval=0.25,
                                   what="the patient's banner to say nobody watches")
                windows[-1]["viewer_gone_after_s"] = round(time.monotonic() - t0, 1)
            except Exception as error:  # noqa: BLE001 - noted; the next window still tells something
                notes.append(f"window {index + 1}, the therapist leaving: {why(error)}")
            time.sleep(min(warmup, 2.0))
        patient_data = lb.page_data(video)
        ok = server.poll() is None
    cam = patient_data["cam"]
    datas = iter(viewer_datas)
    for entry in windows:
        entry["patient"] = session_figures(patient_data, cam, entry["window"]["wall_ms"])
        if entry["viewer"]:
            entry["therapist"] = session_figures(next(datas), cam, entry["window"]["wall_ms"])
    return {"windows": windows, "notes": notes, "server_alive_after": ok, "viewer_browser_nice": viewer_nice,
            "window_s": seconds, "rounds": rounds}


# ---------------------------------------------------------------- report


def _each(sessions: list[dict[str, Any]], pick: Any) -> str:
    return " / ".join(lb._fmt(pick(s)) for s in sessions)


def _receiver(window: dict[str, Any], name: str, key: str) -> Any:
    return window.get("rtp", {}).get(name, {}).get("receiver", {}).get(key)


def _c2d(s: dict[str, Any], key: str) -> Any:
    return "unmatched" if s["capture_to_display_unreliable"] else s["capture_to_display_ms"][key]


def _upload(window: dict[str, Any], name: str) -> str:
    """What the patient's browser sent: size and bitrate, and why it held back, if it did."""
    sender = window.get("rtp", {}).get(name, {}).get("sender", {})
    if not sender:
        return "—"
    limit = sender.get("quality_limitation")
    held_back = f" ({limit})" if limit not in (None, "none") else ""
    return f"{sender.get('size')} {sender.get('bitrate_kbps')} kbps{held_back}"


def _per_session(r: dict[str, Any], fn: Any) -> str:
    return " / ".join(str(fn(r["window"], f"session {i + 1}")) for i in range(len(r["sessions"])))


def levels_table(levels: dict[int, dict[str, Any]]) -> str:
    rows: list[tuple[str, Any]] = [
        ("frames reaching the callback a second", lambda r: _each(r["sessions"], lambda s: s["callback_fps"])),
        ("distinct frames shown a second", lambda r: _each(r["sessions"], lambda s: s["distinct_shown_fps"])),
        ("frames judged a second (pose model)", lambda r: _each(r["sessions"], lambda s: s["judged_fps"])),
        ("capture→display median ms", lambda r: _each(r["sessions"], lambda s: _c2d(s, "median"))),
        ("capture→display p95 ms", lambda r: _each(r["sessions"], lambda s: _c2d(s, "p95"))),
        ("callback→display median ms", lambda r: _each(r["sessions"], lambda s: s["callback_to_display_ms"]["median"])),
        ("  browser jitter buffer ms",
         lambda r: _per_session(r, lambda w, n: lb._fmt(_receiver(w, n, "jitter_buffer_ms")))),
        ("shown frames with latency matched", lambda r: _each(r["sessions"], lambda s: s["latency_matched_fraction"])),
        ("2-s stretches with no new frame", lambda r: _each(r["sessions"], lambda s: s["stalled_2s_bins"])),
        ("camera as the browser sent it", lambda r: _per_session(r, _upload)),
        ("server cores (Streamlit + model processes)", lambda r: lb._fmt(r["window"]["cpu_cores"]["server"])),
        ("  Streamlit process / its event loop", lambda r: " / ".join(
            lb._fmt(r["window"]["server_split_cores"][k])
            for k in ("streamlit process", "of which its event-loop thread"))),
        ("  pose-model processes", lambda r: lb._fmt(r["window"]["server_split_cores"]["pose-model processes"])),
        ("server cores per session", lambda r: lb._fmt(r["server_cores_per_session"])),
        ("browser cores (all sessions)", lambda r: lb._fmt(r["window"]["cpu_cores"]["browser"])),
        ("machine busy cores (all programs)", lambda r: lb._fmt(r["window"]["machine_cpu"]["busy_cores"])),
        ("load average before → after",
         lambda r: f"{r['window']['load_before'][0]:g} → {r['window']['load_after'][0]:g}"),
    ]
    headers = ["each session (/ between sessions)", *[f"{n} session{'s' if n > 1 else ''}" for n in levels]]
    return lb.format_table(headers, [[label, *[fn(levels[n]) for n in levels]] for label, fn in rows])


def _median(values: list[Any]) -> float | None:
    found = [v for v in values if v is not None]
    return round(float(statistics.median(found)), 2) if found else None


def condition(result: dict[str, Any], viewer: bool, who: str) -> dict[str, Any]:
    """One side's figures over the windows with (or without) a viewer: the median of the windows."""
    entries = [e for e in result["windows"] if e["viewer"] == viewer]
    figs = [e[who] for e in entries]
    wins = [e["window"] for e in entries]
    source = "viewer" if who == "therapist" else "patient"
    return {
        "windows": len(entries),
        "distinct_shown_fps": _median([f["distinct_shown_fps"] for f in figs]),
        "judged_fps": _median([f["judged_fps"] for f in figs]),
        "capture_to_display_median_ms": _median([f["capture_to_display_ms"]["median"] for f in figs]),
        "capture_to_display_p95_ms": _median([f["capture_to_display_ms"]["p95"] for f in figs]),
        "callback_to_display_median_ms": _median([f["callback_to_display_ms"]["median"] for f in figs]),
        "receive_to_display_median_ms": _median([f["receive_to_display_ms"]["median"] for f in figs]),
        "jitter_buffer_ms": _median([_receiver(w, source, "jitter_buffer_ms") for w in wins]),
        "latency_matched_fraction_lowest": min((f["latency_matched_fraction"] for f in figs), default=None),
        "stalled_2s_bins": sum(f["stalled_2s_bins"] for f in figs),
        "server_cores": _median([w["cpu_cores"]["server"] for w in wins]),
        "patient_browser_cores": _median([w["browser_cores_by_browser"].get("patient's browser") for w in wins]),
        "therapist_browser_cores": _median([w["browser_cores_by_browser"].get("therapist's browser") for w in wins]),
        "machine_busy_cores": _median([w["machine_cpu"]["busy_cores"] for w in wins]),
    }


def viewer_table(result: dict[str, Any]) -> str:
    columns = [condition(result, False, "patient"), condition(result, True, "patient"),
               condition(result, True, "therapist")]
    rows: list[tuple[str, Any]] = [
        ("distinct frames shown a second", lambda c: lb._fmt(c["distinct_shown_fps"])),
        ("frames judged a second", lambda c: lb._fmt(c["judged_fps"])),
        ("capture→display median / p95 ms", lambda c: f"{lb._fmt(c['capture_to_display_median_ms'])} / "
                                                     f"{lb._fmt(c['capture_to_display_p95_ms'])}"),
        ("callback→display median ms", lambda c: lb._fmt(c["callback_to_display_median_ms"])),
        ("  received→display median ms", lambda c: lb._fmt(c["receive_to_display_median_ms"])),
        ("  browser jitter buffer ms", lambda c: lb._fmt(c["jitter_buffer_ms"])),
        ("shown frames with latency matched (lowest)", lambda c: lb._fmt(c["latency_matched_fraction_lowest"])),
        ("2-s stretches with no new frame (all windows)", lambda c: lb._fmt(c["stalled_2s_bins"])),
        ("server cores", lambda c: lb._fmt(c["server_cores"])),
        ("browser cores: patient's / therapist's",
         lambda c: f"{lb._fmt(c['patient_browser_cores'])} / {lb._fmt(c['therapist_browser_cores'])}"),
        ("machine busy cores", lambda c: lb._fmt(c["machine_busy_cores"])),
    ]
    a, b = columns[0]["windows"], columns[1]["windows"]
    headers = ["", f"patient, nobody watching ({a} windows)", f"patient, therapist watching ({b} windows)",
               "therapist's Watch video"]
    return lb.format_table(headers, [[label, *[fn(c) for c in columns]] for label, fn in rows])


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def viewer_summary(result: dict[str, Any]) -> dict[str, Any]:
    """With ÷ without a viewer: over all windows (medians), and each with-viewer window against
    the mean of the windows either side of it."""
    without, with_ = condition(result, False, "patient"), condition(result, True, "patient")
    series = [(e["viewer"], e["patient"]["capture_to_display_ms"]["median"], e["window"]["cpu_cores"]["server"],
               e["window"]["server_split_cores"]["streamlit process"]) for e in result["windows"]]
    paired, paired_server, paired_streamlit = [], [], []
    for i in range(1, len(series) - 1, 2):
        (_, a0, s0, p0), (_, b, sb, pb), (_, a1, s1, p1) = series[i - 1:i + 2]
        if a0 and a1:
            paired.append(ratio(b, (a0 + a1) / 2))
        paired_server.append(round(sb - (s0 + s1) / 2, 2))
        paired_streamlit.append(round(pb - (p0 + p1) / 2, 3))
    return {
        "patient_latency_with_over_without": ratio(with_["capture_to_display_median_ms"],
                                                   without["capture_to_display_median_ms"]),
        "patient_latency_paired_ratios": paired,
        "patient_fps_with_over_without": ratio(with_["distinct_shown_fps"], without["distinct_shown_fps"]),
        "patient_judged_fps_with_over_without": ratio(with_["judged_fps"], without["judged_fps"]),
        "viewer_server_cores_paired": paired_server,
        "viewer_server_cores": _median(paired_server),
        "viewer_streamlit_process_cores_paired": paired_streamlit,
        "viewer_streamlit_process_cores": _median(paired_streamlit),
        "therapist_browser_cores": with_["therapist_browser_cores"],
        "latency_by_window": [(("with" if v else "without"), lat) for v, lat, _, _ in series],
        "without": without,
        "with": with_,
        "therapist": condition(result, True, "therapist"),
    }


def warnings_for(levels: dict[int, dict[str, Any]], viewer: dict[str, Any] | None) -> list[str]:
    """Anomalies to say out loud: a stalled session, unmatched latencies, a busy machine."""
    found = []
    cores = os.cpu_count() or 1
    runs: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for n, level in levels.items():
        runs += [(f"{n} sessions, session {i + 1}", s, level["window"]) for i, s in enumerate(level["sessions"])]
    if viewer:
        for i, entry in enumerate(viewer["windows"]):
            label = f"viewer run, window {i + 1} ({'therapist watching' if entry['viewer'] else 'nobody watching'})"
            runs.append((f"{label}, patient", entry["patient"], entry["window"]))
            if entry["viewer"]:
                runs.append((f"{label}, therapist's video", entry["therapist"], entry["window"]))
    for name, s, _ in runs:
        if s["stalled_2s_bins"]:
            found.append(f"{name}: no new frame shown for {s['stalled_2s_bins']} of the 2-s stretches "
                         f"(fps every 2 s: {s['distinct_shown_fps_every_2s']})")
        if s["capture_to_display_unreliable"]:
            found.append(f"{name}: frames shown {s['callback_to_display_ms']['median']:g} ms (median) after the "
                         f"callback made them: they queue; capture→display cannot be matched past "
                         f"{MATCH_MS / 1000:.1f} s (the fake camera's loop) and is not reported")
        elif s["latency_matched_fraction"] < 0.8:
            found.append(f"{name}: only {s['latency_matched_fraction']:.0%} of shown frames matched to a "
                         "camera frame: its capture→display figures are from fewer frames")
        if s["page_errors"]:
            found.append(f"{name}: page errors {s['page_errors'][:2]}")
    for name, window in [(f"{n} sessions", lv["window"]) for n, lv in levels.items()] + \
            ([(f"viewer run, window {i + 1}", e["window"]) for i, e in enumerate(viewer["windows"])] if viewer else []):
        ours = window["cpu_cores"]["server"] + window["cpu_cores"]["browser"]
        others = window["machine_cpu"]["busy_cores"] - ours
        if others > 0.25:
            found.append(f"{name}: other programs kept ~{others:.1f} of the {cores} cores busy "
                         f"({', '.join(window['other_busy_processes'][:3]) or 'several small ones'})")
    for n, level in levels.items():
        if not level["server_alive_after"]:
            found.append(f"{n} sessions: the server exited during the run")
    if viewer:
        found += [f"viewer run: {note}" for note in viewer["notes"]]
    return found


def why(error: Exception) -> str:
    """An exception in one line, with what Playwright was waiting for."""
    lines = str(error).splitlines() or [""]
    waiting = next((line.strip(" -") for line in lines if "waiting for" in line), "")
    return f"{type(error).__name__}: {lines[0]}" + (f" ({waiting})" if waiting and waiting not in lines[0] else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="1,2,3", help="concurrent sessions per level (default 1,2,3)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window, each (default 20)")
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds after the last start before a window")
    parser.add_argument("--no-levels", action="store_true", help="only the viewer part")
    parser.add_argument("--no-viewer", action="store_true", help="only the levels")
    parser.add_argument("--browser-per-session", action="store_true",
                        help="a Chromium process per session instead of a browser context each")
    parser.add_argument("--viewer-rounds", type=int, default=3,
                        help="with-viewer windows, each between two without (default 3: A B A B A B A)")
    parser.add_argument("--viewer-seconds", type=float, default=10.0,
                        help="each window of the viewer part (default 10)")
    parser.add_argument("--viewer-nice", type=int, default=0,
                        help="experiment: run the therapist's browser at this nice value (19: as if on "
                             "another computer, mostly)")
    parser.add_argument("--logs", type=Path, default=None, help="keep the Streamlit servers' logs in this folder")
    parser.add_argument("--json", type=Path, default=OUT_JSON)
    args = parser.parse_args(argv)
    try:
        counts = [int(x) for x in args.sessions.split(",") if x.strip()]
    except ValueError:
        parser.error("--sessions must look like 1,2,3")
    if args.viewer_rounds < 1:
        parser.error("--viewer-rounds must be at least 1")
    if any(n < 1 for n in counts):
        parser.error("--sessions: each level needs at least one session")
    if args.no_levels:
        counts = []

    missing = lb.missing_prerequisite("server_bench")
    if missing:
        print(missing, file=sys.stderr)
        return 2

    global LOG_DIR, MATCH_MS
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
        LOG_DIR = args.logs
    load_start = lb.machine_load()
    started = time.monotonic()
    levels: dict[int, dict[str, Any]] = {}
    viewer: dict[str, Any] | None = None
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="server-bench-") as tmp:
        workdir = Path(tmp)
        y4m, frames = lb.camera_y4m(workdir / "camera.y4m")
        MATCH_MS = 1000.0 * frames / lb.CAMERA_FPS - 500.0
        print(f"fake camera: {lb.CAMERA_SIZE[0]}×{lb.CAMERA_SIZE[1]} at {lb.CAMERA_FPS} fps, {frames} frames; "
              f"{args.seconds:g} s windows; {os.cpu_count()} cores; load {load_start['loadavg_1_5_15']}", flush=True)
        for n in counts:
            print(f"{n} concurrent session{'s' if n > 1 else ''} …", flush=True)
            try:
                levels[n] = run_level(n, y4m, args.seconds, args.warmup, workdir, args.browser_per_session)
            except Exception as error:  # noqa: BLE001 - report it, go on with the other parts
                failures[f"{n} sessions"] = why(error)
                print(f"  FAILED: {failures[f'{n} sessions']}", flush=True)
        if not args.no_viewer:
            print(f"one patient sharing: {2 * args.viewer_rounds + 1} windows of {args.viewer_seconds:g} s, "
                  "nobody watching and the therapist watching in turn …", flush=True)
            try:
                viewer = run_viewer(y4m, args.viewer_seconds, args.warmup, workdir, args.viewer_rounds,
                                    args.viewer_nice)
            except Exception as error:  # noqa: BLE001
                failures["viewer"] = why(error)
                print(f"  FAILED: {failures['viewer']}", flush=True)
    summary = viewer_summary(viewer) if viewer else None
    if levels:
        print()
        print(levels_table(levels))
    if viewer and summary:
        print()
        print(viewer_table(viewer))
        print()
        order = ", ".join(f"{'B' if kind == 'with' else 'A'} {lb._fmt(lat)}"
                          for kind, lat in summary["latency_by_window"])
        print(f"patient capture→display median by window (A nobody watching, B therapist watching): {order} ms")
        print(f"patient capture→display, therapist watching ÷ nobody watching: "
              f"{lb._fmt(summary['patient_latency_with_over_without'])}× (medians of the windows; each B against "
              f"the A either side: {', '.join(lb._fmt(r) for r in summary['patient_latency_paired_ratios'])}); "
              f"distinct fps {lb._fmt(summary['patient_fps_with_over_without'])}×, judged fps "
              f"{lb._fmt(summary['patient_judged_fps_with_over_without'])}×")
        print(f"what the viewer costs: server {lb._fmt(summary['viewer_server_cores'])} cores (each B against the A "
              f"either side: {', '.join(lb._fmt(c) for c in summary['viewer_server_cores_paired'])}; the Streamlit "
              f"process alone {lb._fmt(summary['viewer_streamlit_process_cores'])}), the "
              f"therapist's browser {lb._fmt(summary['therapist_browser_cores'])} cores (on this same machine here)")
    found = [f"{part}: did not finish ({why})" for part, why in failures.items()] + warnings_for(levels, viewer)
    if found:
        print()
        for line in found:
            print(f"WARNING: {line}")
    took = time.monotonic() - started
    print(f"\ntook {took:.0f} s")
    report = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": load_start,
        "camera": {"size": lb.CAMERA_SIZE, "fps": lb.CAMERA_FPS, "source": str(lb.SAMPLE.relative_to(lb.ROOT))},
        "seconds": args.seconds,
        "warmup": args.warmup,
        "browser_per_session": args.browser_per_session,
        "levels": {str(n): level for n, level in levels.items()},
        "viewer": viewer,
        "viewer_summary": summary,
        "warnings": found,
        "failed": failures,
        "took_s": round(took),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(f"written: {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
