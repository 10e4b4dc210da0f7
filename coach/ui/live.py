"""The live camera path: one `LiveCoach` per browser session, fed by streamlit-webrtc.

Threads and processes (streamlit-webrtc with ``async_processing=False``):

* **aiortc's event loop** (Streamlit's server loop) calls `LiveCoach.process` with each
  camera frame; it leaves the frame for the judge and returns it at once, drawn with the
  newest judged result. It only draws (about 2-3 ms), never waits for the model, and
  takes no lock that judging holds for long, because anything slow here would delay
  every frame and Streamlit itself. It also calls `LiveCoach.on_stream_ended` when the
  stream stops (STOP pressed, page closed, connection lost);
* the **judge thread** (one per stream, `_judge_loop`) runs the pose model, the
  routine, the log and the snapshot on the newest frame left for it, whenever it is
  free (frames it had no time for are replaced, never queued). The model itself runs in
  a child process (`coach.estimator_process`), at a lower CPU priority, so that it
  competes with the video for neither the GIL nor the CPU; while the judge thread runs,
  Python's GIL turns are 1 ms instead of 5 (`coach.background.short_gil_turns`), so the
  event loop never waits long for the judge's Python work;
* the **script thread** (the page and its twice-a-second fragment) reads `snapshot()` and
  calls the controls `skip()`, `repeat()`, `stop()`, `restart()`.

Nothing here touches Streamlit: the script keeps the object in
``st.session_state`` and hands its bound methods to `webrtc_streamer`.

Locks: ``_lock`` guards the routine runner, the session log and the published
snapshot; it is held only for the cheap steps (judging, timing, logging). The
pose model runs outside it, under ``_model_lock``, so the panel and the
buttons never wait for inference. The snapshot is an immutable dataclass
replaced as a whole, so a reader always sees one consistent frame.

Timing: all times come from the frames' own timestamps (``frame.time``, i.e.
pts × time_base, made relative to the stream's first frame), never from frame
counts, so dropped frames and a changing frame rate do not bend the hold timer.
Only a frame without a timestamp falls back to the wall clock.

Sessions and streams: a *stream* is one camera connection (START..STOP); it
owns the pose estimator (created lazily on its first frame, closed when it
ends). A *session* is one run of the routine with its own runner and session
log; it starts on the first frame when none is running, and ends when the
routine is done, on stop, or when the stream ends. ``restart()`` ends the
session and the next frame starts a new one on the same stream.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from coach.background import short_gil_turns
from coach.estimator import MODEL_ENV_VAR, EstimatorOptions, PoseResult, resolve_model_path
from coach.estimator_process import EstimatorProcessError, PoseEstimatorProcess, ProcessOptions
from coach.overlay import Overlay, put_text
from coach.routine import HoldResult, Phase, RoutineRunner, RoutineStatus
from coach.session_log import SessionLogWriter, event_record, frame_record, header_record
from coach.stretches import Routine, Stretch, fill_sides
from coach.summary import summarize
from coach.ui import retention
from coach.ui.retention import Retention
from coach.verdicts import CheckStatus

LOGGER = logging.getLogger(__name__)

EstimatorFactory = Callable[[EstimatorOptions], Any]

#: Pose model processes that may be lost (died, hung) in one stream before coaching stops.
MAX_MODEL_RESTARTS = 3

#: A stream time that jumps back by more than this is a new time base (e.g. RTP wrap).
BACKWARD_JUMP_S = 2.0


@dataclass(frozen=True)
class CheckRow:
    """One check of the current frame, ready to show."""

    check_id: str
    description: str
    status: str  # ok, too_low, too_high, not_visible
    value: float | None
    unit: str
    target: str  # the engine's short form, e.g. "≥ 0.28 × torso"
    cue: str | None
    target_min: float | None = None
    target_max: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == CheckStatus.OK.value


@dataclass(frozen=True)
class LiveSnapshot:
    """What the side panel shows: the state after the latest processed frame."""

    session_id: int = 0
    frames: int = 0  # processed frames in this session (0: nothing to claim yet)
    stream_active: bool = False
    t: float = 0.0  # session seconds (frame timestamps)
    fps: float = 0.0  # processed frames per wall-clock second, last ~2 s
    model_ms: float = 0.0  # pose model time per frame (median of the last 30 frames)
    frame_ms: float = 0.0  # whole callback time per frame (median of the last 30 frames)
    frame_size: tuple[int, int] | None = None
    phase: str | None = None
    slot_index: int = 0
    slot_count: int = 0
    slot_label: str = ""
    stretch_id: str | None = None
    side: str | None = None
    instruction: str = ""
    phase_remaining_s: float = 0.0
    hold_state: str | None = None
    held_s: float = 0.0
    target_s: float = 0.0
    correct: bool | None = None
    cue: str | None = None
    person_visible: bool = False
    people_in_view: int = 0
    checks: tuple[CheckRow, ...] = ()
    done: bool = False
    stopped: bool = False  # done, but not every hold was finished (Stop, Skip, camera stopped)
    results: tuple[HoldResult, ...] = ()
    log_path: str | None = None
    log_closed: bool = False
    error: str | None = None
    updated_at: float = 0.0  # time.monotonic() of the last update

    @property
    def started(self) -> bool:
        return self.frames > 0


def _median(values: deque[float]) -> float:
    return float(np.median(values)) if values else 0.0


def _stopped(results: list[HoldResult]) -> bool:
    """Ended without finishing every hold (stopped, skipped, or the camera went away)."""
    return not results or any(r.skipped for r in results)


def _value(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


@dataclass
class _Session:
    """One run of the routine: runner, log and the records the summary needs."""

    session_id: int
    runner: RoutineRunner
    log: SessionLogWriter | None
    t0: float  # stream time of the session's first frame
    summary_frames: list[dict[str, Any]] = field(default_factory=list)
    frames: int = 0
    closed: bool = False


@dataclass(frozen=True)
class _Judged:
    """The newest judged frame: what the overlay draws on every camera frame."""

    update: Any  # TrackerUpdate or None (resting, done)
    landmarks: Any  # the person found, or None
    title: str
    instruction: str | None
    second_person: bool
    arrived: float  # time.perf_counter() when its camera frame reached the coach
    error: str | None = None
    count: int = 0  # judged frames so far (benchmark stamp)


class LiveCoach:
    """Per-browser-session owner of everything the video callback needs."""

    #: How long the end of a stream waits for the frame being judged (on aiortc's event loop).
    judge_join_timeout_s = 2.0

    def __init__(
        self,
        routine: Routine,
        stretches: dict[str, Stretch],
        *,
        log_routine_id: str | None = None,
        log_side: str | None = None,
        model: str | None = None,
        mirror: bool = True,
        log_dir: str | Path | None = None,
        estimator_factory: EstimatorFactory | None = None,
        model_process: ProcessOptions | None = None,
        max_judged_fps: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        retention: Retention | None = None,
        bench_stamp: bool = False,
        passthrough: bool = False,
    ) -> None:
        """``retention``: old live logs in ``log_dir`` to delete when a session starts (None:
        none). ``model_process``: how the default estimator's process runs (priority);
        ``estimator_factory`` replaces that estimator (tests). ``max_judged_fps``: judge at
        most this many frames a second (None: as many as the model manages); every frame is
        still shown, drawn with the newest result. ``bench_stamp`` and ``passthrough`` are for
        `tools/live_bench.py` only (see `process`)."""
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._stretches = stretches
        self._routine = routine
        self._log_routine_id = log_routine_id
        self._log_side = log_side
        self._model = model
        self._log_dir = Path(log_dir) if log_dir is not None else None
        self._retention = retention
        self._estimator_factory: EstimatorFactory = estimator_factory or (
            lambda options: PoseEstimatorProcess(options, model_process))
        self._clock = clock
        if max_judged_fps is not None and not max_judged_fps > 0:
            raise ValueError("max_judged_fps must be positive (or None: no limit)")
        self._max_judged_fps = max_judged_fps
        self._mirror = mirror
        self._estimator: Any = None
        self._estimator_failed: str | None = None
        self._model_restarts = 0  # pose model processes lost in this stream
        self._session: _Session | None = None
        self._sessions_started = 0
        self._stream_t0: float | None = None
        self._last_raw_t: float | None = None
        self._last_stream_t = 0.0
        self._stream_active = False
        self._frame_walls: deque[float] = deque(maxlen=60)
        self._model_times: deque[float] = deque(maxlen=30)
        self._frame_times: deque[float] = deque(maxlen=30)
        self._snap = LiveSnapshot()
        self.frames_total = 0
        self._bench_stamp = bench_stamp or passthrough
        self._passthrough = passthrough
        self._bench_seq = 0
        # The judge thread (live path): a mailbox holding the newest camera frame, and the
        # newest judged result the overlay draws.
        self._mail_cv = threading.Condition()
        self._mail: tuple[np.ndarray, float | None, float] | None = None
        self._judge_generation = 0
        self._judge_thread: threading.Thread | None = None
        self._judged: _Judged | None = None
        self._overlays = {mirror: Overlay(mirror=mirror) for mirror in (False, True)}  # stateless, drawn per frame

    # ------------------------------------------------------------ settings
    def configure(
        self,
        routine: Routine | None = None,
        *,
        log_routine_id: str | None = None,
        log_side: str | None = None,
        model: str | None = None,
        mirror: bool | None = None,
    ) -> LiveSnapshot | None:
        """Change settings from the page (script thread); the mirror applies at once.

        A different routine (or stretch, or side) or pose model while a session is on
        ends that session as Stop does (its log is closed with its summary) and the next
        frame starts the new one: the person switches without stopping the camera. A new
        model also replaces the stream's estimator. Returns the ended session's last
        snapshot (for its summary), else None.
        """
        ended: LiveSnapshot | None = None
        new_model = False
        with self._lock:
            changed = False
            if routine is not None:
                changed = routine != self._routine
                self._routine = routine
                self._log_routine_id = log_routine_id
                self._log_side = log_side
            current_model = self._model if self._model is not None else os.environ.get(MODEL_ENV_VAR) or "full"
            if model is not None and model != current_model:
                new_model = True
                changed = True
            if model is not None:
                self._model = model
            if mirror is not None:
                self._mirror = mirror
            session = self._session
            if changed and session is not None:
                if not session.closed:
                    session.runner.stop()
                    self._finish_session(session, stopped=True)
                    ended = replace(self._snap, done=True, stopped=True, phase=Phase.DONE.value,
                                    results=tuple(session.runner.results), log_closed=True)
                self._session = None  # the next frame starts the new routine
                self._snap = LiveSnapshot(stream_active=self._stream_active, updated_at=self._clock())
        if new_model:
            self._close_estimator()
        return ended

    @property
    def routine(self) -> Routine:
        return self._routine

    @property
    def mirror(self) -> bool:
        return self._mirror

    # ------------------------------------------------------------ reading
    def snapshot(self) -> LiveSnapshot:
        with self._lock:
            return self._snap

    @property
    def busy(self) -> bool:
        """A session is running (a different routine or model would end it)."""
        with self._lock:
            return self._session is not None and not self._session.closed

    # ------------------------------------------------------------ controls
    def _control(self, action: Callable[[RoutineRunner], None]) -> None:
        with self._lock:
            session = self._session
            if session is None or session.closed:
                return
            action(session.runner)
            if session.runner.phase is Phase.DONE:
                self._finish_session(session, stopped=True)
            done = session.runner.phase is Phase.DONE
            self._snap = replace(
                self._snap,
                done=done,
                stopped=done and _stopped(session.runner.results),
                phase=session.runner.phase.value,
                results=tuple(session.runner.results),
                log_closed=session.closed,
                updated_at=self._clock(),
            )

    def skip(self) -> None:
        """Give up the current hold and move on."""
        self._control(lambda runner: runner.skip())

    def repeat(self) -> None:
        """Start the current hold again from its countdown."""
        self._control(lambda runner: runner.repeat())

    def stop(self) -> None:
        """End the routine now (an unfinished hold is recorded as skipped)."""
        self._control(lambda runner: runner.stop())

    def restart(self) -> None:
        """End the current session; the next frame starts the routine again."""
        with self._lock:
            session = self._session
            if session is not None and not session.closed:
                session.runner.stop()
                self._finish_session(session, stopped=True)
            self._session = None
            self._snap = LiveSnapshot(stream_active=self._stream_active, updated_at=self._clock())

    # ------------------------------------------------------------ stream lifecycle
    def on_stream_ended(self) -> None:
        """streamlit-webrtc's ``on_video_ended``: finish the session, free the model."""
        self._stop_judge()
        with self._lock:
            self._stream_active = False
            session = self._session
            if session is not None and not session.closed:
                session.runner.stop()
                self._finish_session(session, stopped=True)
                self._snap = replace(
                    self._snap, done=True, stopped=_stopped(session.runner.results), phase=Phase.DONE.value,
                    results=tuple(session.runner.results), log_closed=True,
                )
            self._snap = replace(self._snap, stream_active=False, updated_at=self._clock())
            self._stream_t0 = None
            self._last_raw_t = None
            self._last_stream_t = 0.0  # the next stream has a new estimator and its own clock
            self._frame_walls.clear()
            self._model_times.clear()
            self._frame_times.clear()
        self._close_estimator()

    def close(self) -> None:
        """Release everything (the page is going away)."""
        self.on_stream_ended()

    def _close_estimator(self) -> None:
        with self._model_lock:
            if self._estimator is not None:
                try:
                    self._estimator.close()
                except Exception:  # noqa: BLE001 - closing must never fail the caller
                    LOGGER.exception("closing the pose estimator failed")
                self._estimator = None
            self._estimator_failed = None
            self._model_restarts = 0

    # ------------------------------------------------------------ the callback
    def process(self, frame: Any) -> Any:
        """streamlit-webrtc's ``video_frame_callback``: av.VideoFrame in, annotated av.VideoFrame out.

        Every camera frame comes back at once, annotated with the newest judged result; the
        frame itself goes to the judge thread (pose model, routine, log), which takes the newest
        frame whenever it is free. So the video keeps the camera's frame rate and a delay close
        to the bare WebRTC path's, and the skeleton is drawn from a frame at most one model run
        older (tens of milliseconds; the bench reports it). Before the first result the picture
        is the camera's own (mirrored), and the panel claims nothing.
        """
        import av

        if self._passthrough:
            return self._bench_passthrough(frame)
        rgb = frame.to_ndarray(format="rgb24")
        arrived = time.perf_counter()
        self._post(rgb, frame.time if frame.time is not None else None, arrived)
        # Read without ``_lock``: the judge thread replaces ``_judged`` as a whole (one atomic
        # reference store), and ``_lock`` can be held while a session's summary is written.
        judged = self._judged
        out = self._render(rgb, judged)
        ok = judged is not None and judged.error is None
        lag_ms = 1000.0 * (arrived - judged.arrived) if ok else None
        count = judged.count if ok else None
        height, width = out.shape[:2]
        if width % 2 == 0 and height % 2 == 0:
            # Hand the encoder the pixel format it needs: streamlit-webrtc re-sends the last
            # processed frame whenever the callback is late, and each re-send would convert it again.
            i420 = cv2.cvtColor(out, cv2.COLOR_RGB2YUV_I420)
            if self._bench_stamp:
                self._stamp(i420, yuv=True, lag_ms=lag_ms, judged_count=count)
            return av.VideoFrame.from_ndarray(i420, format="yuv420p")
        if self._bench_stamp:
            self._stamp(out, yuv=False, lag_ms=lag_ms, judged_count=count)
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    # ------------------------------------------------------------ the judge thread
    def _post(self, rgb: np.ndarray, raw_t: float | None, arrived: float) -> None:
        """Leave the newest frame for the judge thread (replacing one it has not taken)."""
        with self._mail_cv:
            self._mail = (rgb, raw_t, arrived)
            thread = self._judge_thread
            if thread is None or not thread.is_alive():
                self._judge_generation += 1
                thread = threading.Thread(target=self._judge_loop, args=(self._judge_generation,),
                                          name="stretch-coach-judge", daemon=True)
                self._judge_thread = thread
                thread.start()
            self._mail_cv.notify()

    def _judge_loop(self, generation: int) -> None:
        with short_gil_turns():
            self._judge_frames(generation)

    def _judge_frames(self, generation: int) -> None:
        """Judge the newest frame, at most ``max_judged_fps`` times a second (wall clock: it
        is a CPU budget; hold timing still comes from the frames' own timestamps)."""
        gap = 1.0 / self._max_judged_fps if self._max_judged_fps else 0.0
        next_start = 0.0
        while True:
            with self._mail_cv:
                while not self._stale(generation):
                    if self._mail is None:
                        self._mail_cv.wait()
                        continue
                    early = next_start - time.perf_counter()
                    if early <= 0:
                        break
                    self._mail_cv.wait(early)  # a newer frame may replace the one waiting
                next_start = time.perf_counter() + gap
                if self._stale(generation):
                    return  # the stream ended (or a newer thread took over)
                rgb, raw_t, arrived = self._mail
                self._mail = None
            judged = self._judge_safely(rgb, raw_t, arrived, generation)
            if judged is None:
                return  # the stream ended while this frame was being judged
            with self._lock:
                self._judged = judged

    def _stop_judge(self) -> None:
        """End the judge thread (the stream ended); waits for the frame it is judging."""
        with self._mail_cv:
            self._judge_generation += 1
            self._mail = None
            thread, self._judge_thread = self._judge_thread, None
            self._mail_cv.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.judge_join_timeout_s)
        with self._lock:
            self._judged = None

    # ------------------------------------------------------------ benchmark only
    def _stamp(self, image: np.ndarray, yuv: bool, lag_ms: float | None = None,
               judged_count: int | None = None) -> None:
        """Write the time of return, a callback count and the skeleton's age (ms since the
        judged frame arrived) into the frame (`tools/live_bench.py`)."""
        from coach.ui import bench_stamp

        self._bench_seq += 1
        now_ms = int(time.time() * 1000.0)
        if yuv:
            bench_stamp.stamp_i420(image, now_ms, self._bench_seq, lag_ms, judged_count)
        else:
            bench_stamp.stamp_frame(image, now_ms, self._bench_seq, lag_ms, judged_count)

    def _bench_passthrough(self, frame: Any) -> Any:
        """The bare pipeline: the camera frame back as it came, with the benchmark's stamp."""
        import av

        with self._lock:
            self.frames_total += 1
        if frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0:
            i420 = frame.to_ndarray()
            self._stamp(i420, yuv=True)
            return av.VideoFrame.from_ndarray(i420, format="yuv420p")
        rgb = frame.to_ndarray(format="rgb24")
        self._stamp(rgb, yuv=False)
        return av.VideoFrame.from_ndarray(rgb, format="rgb24")

    def _stream_time(self, raw_t: float | None) -> float:
        """Seconds since the stream's first frame, from the frame's own timestamp."""
        if raw_t is None or not math.isfinite(raw_t):
            raw_t = self._clock()
        if self._stream_t0 is None:
            self._stream_t0 = raw_t
        elif self._last_raw_t is not None and raw_t < self._last_raw_t - BACKWARD_JUMP_S:
            # A new time base (timestamp wrap, a new track): continue where we were.
            self._stream_t0 = raw_t - self._last_stream_t - 1.0 / 30.0
        self._last_raw_t = raw_t
        t = max(raw_t - self._stream_t0, self._last_stream_t)
        self._last_stream_t = t
        return t

    def process_rgb(self, rgb: np.ndarray, raw_t: float | None) -> np.ndarray:
        """Judge one RGB frame (any size) and return it annotated, in the caller's thread.

        The live path (`process`) does the same in two threads; this is the one-thread form
        (tests, and any caller that wants each frame judged before it is drawn).
        """
        judged = self._judge_safely(rgb, raw_t, time.perf_counter())
        assert judged is not None  # only a judge thread's frames go stale
        with self._lock:
            self._judged = judged
        return self._render(rgb, judged)

    def _judge_safely(self, rgb: np.ndarray, raw_t: float | None, arrived: float,
                      generation: int | None = None) -> _Judged | None:
        try:
            start = time.perf_counter()
            judged = self._judge(rgb, raw_t, arrived, generation)
            if judged is not None:
                self._frame_times.append(1000.0 * (time.perf_counter() - start))
            return judged
        except Exception as error:  # noqa: BLE001 - the video must keep flowing
            LOGGER.exception("live frame processing failed")
            message = f"{type(error).__name__}: {error}"
            with self._lock:
                self._snap = replace(self._snap, error=message, updated_at=self._clock())
            return _Judged(None, None, "", None, False, arrived, error=message)

    def _render(self, rgb: np.ndarray, judged: _Judged | None) -> np.ndarray:
        """The frame as the person sees it: mirrored if asked, with the judged result drawn."""
        if judged is None:  # nothing judged yet: the camera's own picture, claiming nothing
            return np.ascontiguousarray(rgb[:, ::-1] if self._mirror else rgb)
        if judged.error is not None:
            return self._error_frame(rgb, "Coaching stopped: " + judged.error)
        try:
            # Resting or done: no verdict, but the person is drawn plainly (not "not in frame").
            return self._overlays[self._mirror].render_update(
                rgb, judged.update, judged.landmarks, title=judged.title, instruction=judged.instruction,
                second_person=judged.second_person)
        except Exception as error:  # noqa: BLE001 - the video must keep flowing
            LOGGER.exception("drawing the overlay failed")
            return self._error_frame(rgb, f"Drawing failed: {type(error).__name__}: {error}")

    def _error_frame(self, rgb: np.ndarray, text: str) -> np.ndarray:
        out = np.ascontiguousarray(rgb[:, ::-1] if self._mirror else rgb).copy()
        unit = max(0.5, out.shape[0] / 480.0)
        put_text(out, text[:70], (int(10 * unit), int(30 * unit)), 0.55 * unit, (255, 120, 100), 1)
        return out

    def _start_session(self, stream_t: float) -> _Session:
        routine = self._routine
        runner = RoutineRunner(routine, self._stretches)
        self._sessions_started += 1
        log = None
        if self._log_dir is not None:
            stretches = list(dict.fromkeys(self._stretches[s.stretch_id] for s in routine.steps))
            model_name = self._model_name()
            header = header_record(stretches, source="live", model=model_name,
                                   routine_id=self._log_routine_id, side=self._log_side)
            log = SessionLogWriter(self._new_log_path(routine.id), header)
            retention.register_open(log.path)
            if self._retention is not None:
                try:
                    retention.prune_session_logs(self._log_dir, self._retention, protect=[log.path])
                except OSError:
                    LOGGER.exception("deleting old session logs failed")
        session = _Session(self._sessions_started, runner, log, stream_t)
        self._session = session
        return session

    def _model_name(self) -> str:
        try:
            return resolve_model_path(self._model).name
        except Exception:  # noqa: BLE001 - a test double or a missing model: name what was asked
            return str(self._model or "full")

    def _new_log_path(self, routine_id: str) -> Path:
        assert self._log_dir is not None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        for attempt in range(1, 1000):
            suffix = "" if attempt == 1 else f"-{attempt}"
            path = self._log_dir / f"live_{stamp}_{routine_id}{suffix}.jsonl"
            if not path.exists():
                return path
        raise OSError(f"{self._log_dir}: too many session logs named live_{stamp}_{routine_id}")

    def _estimate(self, rgb: np.ndarray, stream_t: float) -> PoseResult:
        with self._model_lock:
            estimator = self._load_estimator()
            try:
                return estimator.process(rgb, stream_t)
            except EstimatorProcessError as error:
                # The model's process died or hung (and is gone now): this frame reports it,
                # the next one starts a new process, a few times a stream at most.
                self._estimator = None
                self._model_restarts += 1
                if self._model_restarts > MAX_MODEL_RESTARTS:
                    self._estimator_failed = (f"{error}; it stopped {self._model_restarts} times, "
                                              "so coaching has stopped")
                raise

    def _load_estimator(self) -> Any:
        """The stream's estimator, created if needed (under ``_model_lock``)."""
        if self._estimator is None:
            if self._estimator_failed:
                raise RuntimeError(self._estimator_failed)
            try:
                self._estimator = self._estimator_factory(EstimatorOptions(model=self._model))
            except Exception as error:
                # The model's process says itself what failed; anything else gets the context.
                self._estimator_failed = (str(error) if isinstance(error, EstimatorProcessError)
                                          else f"the pose model could not be loaded: {error}")
                raise RuntimeError(self._estimator_failed) from None
        return self._estimator

    def _stale(self, generation: int | None) -> bool:
        """The stream a frame came from has ended (its judge thread was told to stop)."""
        return generation is not None and generation != self._judge_generation

    def _judge(self, rgb: np.ndarray, raw_t: float | None, arrived: float,
               generation: int | None = None) -> _Judged | None:
        """Pose model, routine, log and snapshot for one frame (no drawing).

        ``generation``: the judge thread's stream; None when the caller judges its own frame
        (`process_rgb`). A frame whose stream ended meanwhile (Stop pressed while the model was
        loading or running) is dropped, so it can neither mark the stream active again nor
        start a session and a log that nothing would close.
        """
        wall = self._clock()
        with self._lock:
            if self._stale(generation):
                return None
            if self._stream_t0 is None and self._session is not None and self._session.closed:
                self._session = None  # a new stream after a finished session: start afresh
            stream_t = self._stream_time(raw_t)
            self._stream_active = True
        loaded = self._estimator is not None
        model_start = time.perf_counter()
        result = self._estimate(rgb, stream_t)
        if loaded:  # the first frame of a stream also loads the model: not a frame time
            self._model_times.append(1000.0 * (time.perf_counter() - model_start))

        with self._lock:
            if self._stale(generation):
                return None
            session = self._session
            if session is None:
                session = self._start_session(stream_t)
            t = stream_t - session.t0
            runner = session.runner
            status = runner.update(result.landmarks, t)
            update = status.update if status.phase is not Phase.REST else None
            slot = status.slot
            if not session.closed:
                self._log(session, status, update, t, result)
                if status.phase is Phase.DONE:
                    self._finish_session(session, stopped=False)
            session.frames += 1
            self.frames_total += 1
            count = self.frames_total
            self._frame_walls.append(wall)
            self._snap = self._make_snapshot(session, status, result, t, rgb.shape)
            title = f"{runner.routine.name}: {slot.label}" if slot else runner.routine.name
            if slot is not None and len({s.stretch.id for s in runner.slots}) == 1:
                title = slot.label  # one stretch (on one or both sides): its name once
        instruction = status.instruction
        if status.phase is Phase.DONE and _stopped(runner.results):
            instruction = "Session ended. Your summary is on the page."
        return _Judged(update, result.landmarks, title, instruction, result.second_person, arrived, count=count)

    def _log(self, session: _Session, status: RoutineStatus, update: Any, t: float, result: PoseResult) -> None:
        slot = status.slot
        if update is not None and slot is not None:
            record = frame_record(update, t, slot.stretch.id, slot.side, status.phase.value, slot.rep,
                                  result.people_in_view)
            if session.log is not None:
                session.log.frame(record)
            record.pop("landmarks", None)  # the summary never reads them; keeps memory flat
            session.summary_frames.append(record)
        self._log_events(session)

    def _log_events(self, session: _Session) -> None:
        """Hold-timer events go to the log as they happen (a crash mid-hold keeps them)."""
        for slot, event in session.runner.drain_events():
            if session.log is not None:
                session.log.event(event_record(event, slot.stretch.id, slot.side, slot.rep))

    def _finish_session(self, session: _Session, stopped: bool) -> None:
        """Close the session's log with its summary (under ``_lock``)."""
        if session.closed:
            return
        self._log_events(session)
        session.closed = True
        if session.log is not None:
            summary = summarize(session.summary_frames)
            summary["live"] = {
                "routine": session.runner.routine.id,
                "frames": session.frames,
                "stopped_early": stopped,
                "holds": [
                    {"stretch": r.stretch_id, "side": r.side, "rep": r.rep, "held_s": r.held_s,
                     "target_s": r.target_s, "completed": r.completed, "skipped": r.skipped}
                    for r in session.runner.results
                ],
            }
            try:
                session.log.close(summary)
            except OSError:
                LOGGER.exception("closing the session log failed")
            finally:
                retention.unregister_open(session.log.path)

    def _fps(self) -> float:
        walls = self._frame_walls
        if len(walls) < 2:
            return 0.0
        recent = [w for w in walls if walls[-1] - w <= 2.0]
        if len(recent) < 2 or recent[-1] <= recent[0]:
            return 0.0
        return (len(recent) - 1) / (recent[-1] - recent[0])

    def _make_snapshot(
        self, session: _Session, status: RoutineStatus, result: PoseResult, t: float, shape: tuple[int, ...]
    ) -> LiveSnapshot:
        slot = status.slot
        update = status.update if status.phase is not Phase.REST else None
        checks: tuple[CheckRow, ...] = ()
        correct = cue = None
        hold_state, held, target = None, 0.0, slot.hold_seconds if slot else 0.0
        if update is not None and slot is not None:
            by_id = {c.id: c for c in slot.stretch.checks}
            rows = []
            for verdict in update.verdict.checks:
                check = by_id.get(verdict.check_id)
                if check is None:
                    continue
                rows.append(CheckRow(
                    check_id=check.id,
                    description=fill_sides(check.description, slot.side),
                    status=verdict.status.value,
                    value=_value(verdict.value),
                    unit=check.unit,
                    target=check.target.describe(check.unit),
                    cue=verdict.cue,
                    target_min=check.target.min,
                    target_max=check.target.max,
                ))
            checks = tuple(rows)
            correct, cue = update.verdict.correct, update.cue  # the steadied cue, as on the video
            hold_state, held, target = update.hold.state.value, update.hold.held_s, update.hold.target_s
        return LiveSnapshot(
            session_id=session.session_id,
            frames=session.frames,
            stream_active=True,
            t=t,
            fps=self._fps(),
            model_ms=_median(self._model_times),
            frame_ms=_median(self._frame_times),
            frame_size=(int(shape[1]), int(shape[0])),
            phase=status.phase.value,
            slot_index=status.slot_index,
            slot_count=status.slot_count,
            slot_label=slot.label if slot else "",
            stretch_id=slot.stretch.id if slot else None,
            side=slot.side if slot else None,
            instruction=status.instruction,
            phase_remaining_s=status.phase_remaining_s,
            hold_state=hold_state,
            held_s=held,
            target_s=target,
            correct=correct,
            cue=cue,
            person_visible=result.landmarks is not None,
            people_in_view=result.people_in_view,
            checks=checks,
            done=status.phase is Phase.DONE,
            stopped=status.phase is Phase.DONE and _stopped(session.runner.results),
            results=tuple(session.runner.results),
            log_path=str(session.log.path) if session.log is not None else None,
            log_closed=session.closed,
            error=None,
            updated_at=self._clock(),
        )
