"""Review page: analyse a recorded video, or open a session log (a therapist's view)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import streamlit as st

from coach.analyze import AnalysisResult, analyze_video
from coach.person_size import small_person_note
from coach.session_log import SessionLog, SessionLogError, load_session_log
from coach.sources import VIDEO_SUFFIXES, VideoError, VideoFileSource, small_picture_note
from coach.stretch_guess import StretchGuess, guess_stretch
from coach.stretches import Library
from coach import retention, settings
from coach.ui import common, session_report

LOGGER = logging.getLogger(__name__)
SUFFIX_LIST = ", ".join(s.lstrip(".") for s in VIDEO_SUFFIXES)


# ---------------------------------------------------------------- files


def _upload_dir() -> Path:
    """A private temporary folder for this browser session's uploads, deleted with the session."""
    folder: retention.UploadFolder | None = st.session_state.get("_review_upload_dir")
    if folder is None or not folder.path.is_dir():
        retention.prune_upload_folders()
        folder = retention.UploadFolder()
        st.session_state["_review_upload_dir"] = folder
    return folder.path


def _safe_name(name: str, default: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(name).name).strip(" .")
    return cleaned or default


def _save_upload(uploaded: Any, default_name: str) -> Path:
    """Write an uploaded file to disk once (the same upload is not written again on reruns)."""
    folder = _upload_dir() / str(getattr(uploaded, "file_id", "upload"))
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / _safe_name(uploaded.name, default_name)
    if not path.exists():
        path.touch(mode=0o600)
        path.write_bytes(uploaded.getvalue())
    return path


def _plain_message(error: Exception, path: Path | None) -> str:
    """The error's message with our temporary path replaced by the file's own name."""
    message = str(error)
    if path is not None:
        message = message.replace(str(path), path.name)
    return message


def check_video_upload(uploaded: Any) -> tuple[Path | None, str | None]:
    """Validate an uploaded video by name, size and by opening it. Returns (path, error)."""
    name = uploaded.name
    suffix = Path(name).suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        return None, (
            f"“{name}” is not a video this app can read. Upload a video file ({SUFFIX_LIST})."
        )
    size_mb = uploaded.size / 1e6
    if size_mb > settings.MAX_UPLOAD_MB:
        return None, (
            f"“{name}” is {size_mb:.0f} MB; the limit is {settings.MAX_UPLOAD_MB} MB. "
            "Trim the video to the stretch itself, or export it at a lower resolution."
        )
    path = _save_upload(uploaded, "video" + suffix)
    try:
        VideoFileSource(path)
    except VideoError as error:
        return None, f"“{name}” cannot be used: {_plain_message(error, path).removeprefix(path.name + ': ')}"
    return path, None


# ---------------------------------------------------------------- video tab


def _progress_callback(bar: Any) -> Any:
    shown = {"pct": -1}

    def progress(stage: str, done: int, total: int) -> None:
        fraction = min(1.0, done / total) if total else 0.0
        pct = int(fraction * 100)
        if pct != shown["pct"]:
            shown["pct"] = pct
            bar.progress(fraction, text=f"Finding the pose, judging and drawing… {pct}%")

    return progress


def _video_tab() -> None:
    lib = common.library()
    source = st.radio("Video", ["Upload a video", "Use a sample video"], horizontal=True, key="review_source")
    path: Path | None = None
    if source == "Upload a video":
        uploaded = st.file_uploader(
            f"A video of the stretch ({SUFFIX_LIST}; up to {settings.MAX_UPLOAD_MB} MB)",
            key="review_upload",  # any type: checked below, with a message in our own words
        )
        if uploaded is not None:
            path, error = check_video_upload(uploaded)
            if error:
                st.error(error)
    else:
        samples = settings.sample_videos()
        if not samples:
            st.info("There are no sample videos yet (the `sample_videos/` folder is empty). "
                    "Upload a video of your own instead.")
        else:
            chosen = st.selectbox("Sample video", samples, format_func=lambda p: p.name, key="review_sample")
            path = Path(chosen)
    picture_note: str | None = None
    if path is not None:
        try:
            info = VideoFileSource(path).info
            st.caption(f"{path.name}: {info.width}×{info.height}, {info.duration_s:.1f} s at {info.fps:.0f} fps")
            picture_note = small_picture_note(info.width, info.height)
        except VideoError as error:
            st.error(_plain_message(error, path))
            path = None

    guess = _detected_stretch(path, lib) if st.session_state.get("review_what", "One stretch") == "One stretch" \
        else None
    what = st.radio("Judge it as", ["One stretch", "A routine"], horizontal=True, key="review_what")
    stretch_id = routine_id = None
    side = "auto"
    if what == "One stretch":
        ids = [s.id for s in common.in_routine_order(lib)]
        left, right = st.columns([2, 1])
        with left:
            stretch_id = st.selectbox("Stretch", ids, format_func=lambda i: lib.stretches[i].name,
                                      key="review_stretch")
            _guess_caption(guess, lib)
            small = small_person_note(lib.stretches[stretch_id], guess.person_height_px if guess else None)
            if small:
                st.caption(common.plain(small))
        with right:
            has_sides = lib.stretches[stretch_id].has_sides
            side = st.selectbox("Side", ["auto", "right", "left"], key="review_side", disabled=not has_sides,
                                format_func=lambda s: "detect it" if s == "auto" else f"{s} side",
                                help="Which leg is being stretched; 'detect it' decides from the whole video.")
    else:
        ids = list(lib.routines)
        routine_id = st.selectbox("Routine", ids, format_func=lambda i: lib.routines[i].name, key="review_routine")
    judged = [lib.stretches[stretch_id]] if stretch_id else [lib.stretches[s.stretch_id]
                                                            for s in lib.routines[routine_id].steps]
    if picture_note and any(s.min_person_height_px is not None for s in judged):
        st.caption(picture_note)  # only for stretches whose file says they need pixels (crossed legs)

    if st.button("Analyse", type="primary", disabled=path is None, key="review_go"):
        assert path is not None
        bar = st.progress(0.0, text="Starting…")
        try:
            result = analyze_video(
                path, stretch_id=stretch_id, side=side if stretch_id else "auto", routine_id=routine_id,
                out_dir=settings.analyses_dir(), library=lib, progress=_progress_callback(bar),
            )
        except (VideoError, SessionLogError, ValueError, OSError) as error:
            bar.empty()
            st.session_state.pop("review_result", None)
            st.error(f"The video could not be analysed: {_plain_message(error, path)}")
        except Exception as error:
            LOGGER.exception("analysis failed")
            bar.empty()
            st.session_state.pop("review_result", None)
            st.error(f"The analysis failed unexpectedly ({type(error).__name__}: {error}).")
        else:
            bar.empty()
            st.session_state["review_result"] = (str(path), result)
            try:
                retention.prune_analyses(settings.analyses_dir(), settings.session_retention(),
                                         protect=result.outputs.paths())
            except (settings.SettingsError, OSError) as error:
                LOGGER.warning("old analyses not pruned: %s", error)
    stored: tuple[str, AnalysisResult] | None = st.session_state.get("review_result")
    if stored is not None and path is not None and stored[0] == str(path):
        _show_analysis(stored[1])


def _detected_stretch(path: Path | None, lib: Library) -> StretchGuess | None:
    """The stretch this video shows (`coach.stretch_guess`), worked out once per video; the first
    time, the picker is set to it (the person can still change it)."""
    if path is None:
        return None
    cached: tuple[str, StretchGuess | None] | None = st.session_state.get("review_guess")
    if cached is not None and cached[0] == str(path):
        return cached[1]
    guess: StretchGuess | None
    try:
        with st.spinner("Looking at the video to see which stretch it shows…"):
            guess = guess_stretch(path, lib)
    except (VideoError, ValueError, RuntimeError, OSError) as error:
        LOGGER.warning("no stretch guessed for %s: %s", path.name, error)
        guess = None
    st.session_state["review_guess"] = (str(path), guess)
    if guess is not None and guess.stretch_id is not None:
        st.session_state["review_stretch"] = guess.stretch_id
    return guess


def _guess_caption(guess: StretchGuess | None, lib: Library) -> None:
    if guess is None:
        return
    if guess.stretch_id is None:
        st.caption("Could not tell which stretch this video shows: pick it here.")
        return
    side = f" ({guess.side} side)" if guess.side else ""
    st.caption(f"Detected: {common.plain(lib.stretches[guess.stretch_id].name)}{side}. Change it if wrong.")


def _show_analysis(result: AnalysisResult) -> None:
    outputs = result.outputs
    st.divider()
    side = f", {result.side} side" if result.side else ""
    done = (f"Analysed {result.frames} frames ({result.duration_s:.1f} s){side}; "
            f"a person was found in {result.frames_with_person} of them.")
    if result.warnings:  # e.g. a truncated file: what was analysed is not the whole video
        st.warning(common.plain(done + " " + " ".join(result.warnings)))
    else:
        st.success(done)
    try:
        log = load_session_log(outputs.session_log)
    except SessionLogError as error:
        st.error(_plain_message(error, outputs.session_log))
        return
    left, right = st.columns([3, 2])
    with left:
        if outputs.video.is_file():
            st.video(str(outputs.video))
            if result.video_codec != "h264":
                st.caption("This video was saved as MPEG-4 (no H.264 encoder here): if it does not play "
                           "in the browser, download it and open it in a video player.")
    with right:
        st.markdown("**Downloads**")
        _download(outputs.session_log, "Session log (.jsonl)", "application/jsonl", "dl_log")
        _download(outputs.measurements_csv, "Measurements (.csv)", "text/csv", "dl_csv")
        _download(outputs.video, "Annotated video (.mp4)", "video/mp4", "dl_video")
        st.caption("The session log holds landmarks, measurements and hold times, never video: "
                   "it is the file to send to a therapist.")
    session_report.render_log_report(log, key="analysis", replay=False)


def _download(path: Path, label: str, mime: str, key: str) -> None:
    if path.is_file():
        # Deferred: the file is read when the button is clicked, not on every rerun.
        st.download_button(label, data=path.read_bytes, file_name=path.name, mime=mime, key=key,
                           width="stretch")


# ---------------------------------------------------------------- log tab


def _open_log(path: Path, recover: bool) -> SessionLog:
    """The log, read and verified once per version of the file: the replay slider and every
    other rerun reuse it (one log per browser session is kept, so memory stays bounded)."""
    try:
        stat = path.stat()
    except OSError as error:
        raise SessionLogError(f"{path}: cannot be read ({error.strerror or error})") from None
    key = (str(path), stat.st_size, stat.st_mtime_ns, recover)
    cached = st.session_state.get("_review_log")
    if cached is None or cached[0] != key:
        st.session_state.pop("_review_log", None)  # the old log goes before the new one is read
        cached = (key, load_session_log(path, allow_incomplete=recover))
        st.session_state["_review_log"] = cached
    return cached[1]


def _log_tab() -> None:
    st.markdown("Open the session log a patient sent you (`.jsonl`), or one of your own sessions. "
                "The file is checked line by line: an edited or damaged file is refused.")
    recent = sorted(settings.sessions_dir().glob("*.jsonl"), reverse=True) if settings.sessions_dir().is_dir() else []
    options = ["Upload a file"] + (["One of my live sessions"] if recent else [])
    source = st.radio("Session log", options, horizontal=True, key="log_source")
    recover = st.checkbox("Accept a log that stops early (a session that crashed or is still running)",
                          key="log_recover")
    path: Path | None = None
    if source == "Upload a file":
        # Any file name: the content is what is checked (a renamed log still opens).
        uploaded = st.file_uploader("Session log (.jsonl)", key="log_upload")
        if uploaded is not None:
            path = _save_upload(uploaded, "session.jsonl")
    else:
        path = st.selectbox("Live session", recent, format_func=lambda p: p.name, key="log_recent")
    if path is None:
        return
    try:
        log = _open_log(path, recover)
    except SessionLogError as error:
        st.error(f"This session log cannot be opened: {_plain_message(error, path)}")
        return
    if not log.complete:
        st.warning(f"Incomplete log: {log.problem}. Everything up to that point is shown.")
    session_report.header_caption(log)
    session_report.render_log_report(log, key="log", replay=True)


# ---------------------------------------------------------------- page


def render() -> None:
    st.title("Review")
    common.health_note(compact=True)
    video_tab, log_tab = st.tabs(["Analyse a video", "Open a session log"])
    with video_tab:
        _video_tab()
    with log_tab:
        _log_tab()
