"""`LiveCoach`: one per browser session, the object streamlit-webrtc's callbacks are bound to.

It wires the live path's parts together and owns their locks:

* `process` (on aiortc's event loop) leaves each camera frame in the `NewestFrameMailbox`
  and returns it at once, drawn with the newest judged result;
* the judge thread runs `_judge` on the newest frame: the stream's pose model
  (`StreamModel`, outside the lock), then the `LiveSession` (routine, log) and the panel's
  `LiveSnapshot`, under ``_lock`` (cheap steps only);
* the page's script thread reads `snapshot()` and calls `skip`, `repeat`, `stop`,
  `restart` and `configure`.

Nothing here touches Streamlit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np

from coach.estimator_process import ProcessOptions
from coach.judged_frame import JudgedFrame
from coach.live.clock import StreamClock
from coach.live.mailbox import CameraFrame, NewestFrameMailbox
from coach.live.model import EstimatorFactory, StreamModel, effective_model, model_display_name
from coach.live.session import CAMERA_STOPPED, PAUSED_BY_PERSON, LiveSession, LogPlan
from coach.live.snapshot import FrameStats, LiveSnapshot, snapshot_of
from coach.overlay import Overlay, put_text
from coach.retention import Retention
from coach.routine import Phase, RoutineRunner
from coach.stretches import Routine, Stretch

LOGGER = logging.getLogger(__name__)


class VideoFrame(Protocol):
    """What the callback needs of an ``av.VideoFrame`` (the thread boundary with aiortc)."""

    @property
    def time(self) -> float | None: ...

    def to_ndarray(self, **kwargs: object) -> np.ndarray: ...


@dataclass(frozen=True)
class LatestResult:
    """The newest judged frame, as the video callback draws it on every camera frame."""

    judged: JudgedFrame | None
    arrived: float  # time.perf_counter() when its camera frame reached the coach
    error: str | None = None
    count: int = 0  # judged frames so far
    paused: bool = False  # the session is paused: the camera's own picture, with a banner

    @property
    def ok(self) -> bool:
        return self.error is None


class LiveCoach:
    """Per-browser-session owner of everything the video callback needs."""

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
        stuck_after_s: float | None = None,
        paused_session_limit_s: float = 600.0,
        ask_pain_after: bool = False,
    ) -> None:
        """``log_dir``: where session logs go (None: no log); ``retention``: old live logs in it
        to delete when a session starts. ``model_process``: how the default estimator's process
        runs (priority); ``estimator_factory`` replaces that estimator (tests).
        ``max_judged_fps``: judge at most this many frames a second (None: as many as the
        model manages); every frame is still shown, drawn with the newest result.
        ``stuck_after_s``: a hold that counts no time for this long is flagged as stuck (the page
        offers to skip it). ``paused_session_limit_s``: a session paused because the camera
        stopped (or the tab closed) ends, and its log is closed, after this long."""
        self._lock = threading.Lock()
        self._stretches = stretches
        self._routine = routine
        self._log_dir = Path(log_dir) if log_dir is not None else None
        self._log_routine_id = log_routine_id
        self._log_side = log_side
        self._retention = retention
        self._model = StreamModel(model, estimator_factory, model_process)
        self._clock = clock
        self._stream_clock = StreamClock(clock)
        self._mailbox = NewestFrameMailbox(self._judge_posted, max_judged_fps)
        self._mirror = mirror
        self._session: LiveSession | None = None
        self._sessions_started = 0
        self._stream_active = False
        self._stats = FrameStats()
        self._snap = LiveSnapshot()
        self._latest: LatestResult | None = None
        self.frames_total = 0
        self._overlays = {mirror: Overlay(mirror=mirror) for mirror in (False, True)}  # stateless
        self._stuck_after_s = stuck_after_s
        self._paused_session_limit_s = paused_session_limit_s
        self._pause_timer: threading.Timer | None = None
        #: Pain scores (docs/session-log.md `pain`): the before score waits for the next session;
        #: with ask_pain_after a finished session's log stays open for the after score.
        self._pain_before: int | None = None
        self._ask_pain_after = ask_pain_after
        #: Called with each session log's path when it is opened (judge thread): the page sets it
        #: while a patient is logged in, so a session never finished on the page still reaches
        #: their therapist (`coach.store.pending`). It must be quick and must not raise.
        self.on_log_opened: Callable[[str], None] | None = None

    # ------------------------------------------------------------ settings
    def configure(
        self,
        routine: Routine | None = None,
        *,
        log_routine_id: str | None = None,
        log_side: str | None = None,
        model: str | None = None,
        mirror: bool | None = None,
        stretches: dict[str, Stretch] | None = None,
    ) -> LiveSnapshot | None:
        """Change settings from the page (script thread); the mirror applies at once.

        A different routine (or stretch, or side) or pose model while a session is on
        ends that session as Stop does (its log is closed with its summary) and the next
        frame starts the new one: the person switches without stopping the camera. A new
        model also replaces the stream's estimator. ``stretches``: the definitions the routine
        runs with (a patient's plan sets its own depth targets); None keeps the current ones.
        Returns the ended session's last snapshot (for its summary), else None.
        """
        ended: LiveSnapshot | None = None
        new_model = model is not None and model != effective_model(self._model.model)
        with self._lock:
            changed = new_model
            if routine is not None:
                changed = changed or routine != self._routine
                self._routine = routine
                self._log_routine_id = log_routine_id
                self._log_side = log_side
            if stretches is not None:
                changed = changed or stretches != self._stretches
                self._stretches = stretches
            if model is not None:
                self._model.model = model
            if mirror is not None:
                self._mirror = mirror
            session = self._session
            if changed and session is not None:
                if not session.closed:
                    session.stop()
                    ended = replace(self._snap, done=True, stopped=True, phase=Phase.DONE.value,
                                    results=tuple(session.runner.results), log_closed=True)
                session.close_log()
                self._session = None  # the next frame starts the new routine
                self._snap = LiveSnapshot(stream_active=self._stream_active, updated_at=self._clock())
        if new_model:
            self._model.close()
        return ended

    @property
    def routine(self) -> Routine:
        return self._routine

    @property
    def mirror(self) -> bool:
        return self._mirror

    @property
    def choice(self) -> tuple[str | None, str | None, str | None]:
        """The log's routine id, the log's side and the pose model as chosen (a reloaded page's widgets)."""
        with self._lock:
            return self._log_routine_id, self._log_side, self._model.model

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
        self._on_session(lambda session: session.control(action))

    def _on_session(self, change: Callable[[LiveSession], None]) -> None:
        """Apply a control to the running session between frames; the panel sees it at once."""
        with self._lock:
            session = self._session
            if session is None or session.closed:
                return
            change(session)
            self._snap = replace(
                self._snap,
                done=session.done,
                stopped=session.done and session.ended_early,
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

    def ready(self) -> None:
        """The Ready button of a set-up step: the countdown starts (logged as "set-up: ready pressed")."""
        self._on_session(lambda session: session.ready())

    def stop(self) -> None:
        """End the routine now (an unfinished hold is recorded as skipped)."""
        self._control(lambda runner: runner.stop())

    def pause(self) -> None:
        """Pause the session (the Pause button): its clock stops and frames are not judged."""
        with self._lock:
            if self._session is not None:
                self._session.pause(PAUSED_BY_PERSON)
                self._snap = replace(self._snap, paused=self._session.paused, updated_at=self._clock())

    def it_hurts(self) -> None:
        """The "It hurts" button: logged, and the session pauses while the page asks whether to stop."""
        with self._lock:
            if self._session is not None:
                self._session.it_hurts()
                self._snap = replace(self._snap, paused=self._session.paused, updated_at=self._clock())

    def resume(self) -> None:
        """Carry on where the session was paused."""
        with self._lock:
            self._resume_locked()

    def _resume_locked(self) -> None:
        session = self._session
        if session is not None and session.paused:
            session.resume()
            self._snap = replace(self._snap, paused=None, updated_at=self._clock())
        if self._pause_timer is not None:
            self._pause_timer.cancel()
            self._pause_timer = None

    def restart(self) -> None:
        """End the current session; the next frame starts the routine again."""
        with self._lock:
            if self._session is not None:
                self._session.stop()
                self._session.close_log()
            self._session = None
            self._snap = LiveSnapshot(stream_active=self._stream_active, updated_at=self._clock())

    # ------------------------------------------------------------ pain scores
    def pain_before(self, score: int | None) -> None:
        """The patient's 0-10 score before the session (None: withdrawn): logged when it starts."""
        with self._lock:
            session = self._session
            if score is not None and session is not None and not session.closed:
                session.pain_before(score)
            else:
                self._pain_before = score

    def awaiting_pain_after(self, session_id: int) -> bool:
        """True while that finished session's log waits for the after score."""
        with self._lock:
            session = self._session
            return session is not None and session.session_id == session_id and session.awaiting_pain_after

    def pain_after(self, session_id: int, score: int | None) -> None:
        """The after score of that finished session (None: skipped); its log is then closed."""
        with self._lock:
            session = self._session
            if session is not None and session.session_id == session_id:
                session.pain_after(score)

    # ------------------------------------------------------------ stream lifecycle
    def on_stream_ended(self) -> None:
        """streamlit-webrtc's ``on_video_ended`` (STOP pressed, tab closed, connection lost):
        pause the session, free the model. Starting the camera again carries on at the same
        hold with the same log; a session left paused for ``paused_session_limit_s`` ends."""
        self._mailbox.stop()
        with self._lock:
            self._latest = None
            self._stream_active = False
            session = self._session
            if session is not None and not session.closed:
                session.pause(CAMERA_STOPPED)
                self._snap = replace(self._snap, paused=session.paused)
                if self._pause_timer is None:
                    self._pause_timer = threading.Timer(self._paused_session_limit_s, self._end_paused, (session,))
                    self._pause_timer.daemon = True
                    self._pause_timer.start()
            elif session is not None and session.awaiting_pain_after:
                # The tab may be gone: the log waiting for the after score is closed in time without it.
                closer = threading.Timer(self._paused_session_limit_s, self._close_held_log, (session,))
                closer.daemon = True
                closer.start()
            self._snap = replace(self._snap, stream_active=False, updated_at=self._clock())
            self._stream_clock.reset()  # the next stream has a new estimator and its own clock
            self._stats.clear()
        self._model.close()

    def _end_paused(self, session: LiveSession) -> None:
        """A paused session nobody came back to ends (its log gets its summary and end record)."""
        with self._lock:
            if session is not self._session or not session.paused or session.closed:
                return
            self._pause_timer = None
            self._finish_locked(session)
            session.close_log()  # nobody is there to give an after score

    def _close_held_log(self, session: LiveSession) -> None:
        with self._lock:
            session.close_log()

    def _finish_locked(self, session: LiveSession) -> None:
        session.stop()
        self._snap = replace(
            self._snap, done=True, stopped=session.ended_early, phase=Phase.DONE.value, paused=None,
            results=tuple(session.runner.results), log_closed=True, updated_at=self._clock(),
        )

    def close(self) -> None:
        """Release everything (the page is going away): the session ends, its log is closed."""
        with self._lock:
            if self._pause_timer is not None:
                self._pause_timer.cancel()
                self._pause_timer = None
            if self._session is not None and not self._session.closed:
                self._finish_locked(self._session)
            if self._session is not None:
                self._session.close_log()
        self.on_stream_ended()

    # ------------------------------------------------------------ the callback
    def process(self, frame: VideoFrame) -> av.VideoFrame:
        """streamlit-webrtc's ``video_frame_callback``: av.VideoFrame in, annotated av.VideoFrame out.

        Every camera frame comes back at once, annotated with the newest judged result; the
        frame itself goes to the judge thread (pose model, routine, log), which takes the newest
        frame whenever it is free. So the video keeps the camera's frame rate and a delay close
        to the bare WebRTC path's, and the skeleton is drawn from a frame at most one model run
        older. Before the first result the picture is the camera's own (mirrored), and the
        panel claims nothing.
        """
        rgb = frame.to_ndarray(format="rgb24")
        arrived = time.perf_counter()
        self._mailbox.post(CameraFrame(rgb, frame.time, arrived))
        # Read without ``_lock``: the judge thread replaces ``_latest`` as a whole (one atomic
        # reference store), and ``_lock`` can be held while a session's summary is written.
        latest = self._latest
        out = self._render(rgb, latest)
        height, width = out.shape[:2]
        if width % 2 == 0 and height % 2 == 0:
            # Hand the encoder the pixel format it needs: streamlit-webrtc re-sends the last
            # processed frame whenever the callback is late, and each re-send would convert it again.
            i420 = cv2.cvtColor(out, cv2.COLOR_RGB2YUV_I420)
            self._returning(i420, True, arrived, latest)
            return av.VideoFrame.from_ndarray(i420, format="yuv420p")
        self._returning(out, False, arrived, latest)
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    def _returning(self, image: np.ndarray, yuv: bool, arrived: float, latest: LatestResult | None) -> None:
        """A hook on the frame about to be returned (the live benchmark stamps it)."""

    def process_rgb(self, rgb: np.ndarray, raw_t: float | None) -> np.ndarray:
        """Judge one RGB frame (any size) and return it annotated, in the caller's thread.

        The live path (`process`) does the same in two threads; this is the one-thread form
        (tests, and any caller that wants each frame judged before it is drawn).
        """
        latest = self._judge_safely(CameraFrame(rgb, raw_t, time.perf_counter()))
        assert latest is not None  # only a judge thread's frames go stale
        self._latest = latest
        return self._render(rgb, latest)

    # ------------------------------------------------------------ judging
    def _judge_posted(self, frame: CameraFrame, generation: int) -> bool:
        """The judge thread's step; False when the frame's stream ended meanwhile."""
        latest = self._judge_safely(frame, generation)
        if latest is None:
            return False
        self._latest = latest
        return True

    def _judge_safely(self, frame: CameraFrame, generation: int | None = None) -> LatestResult | None:
        try:
            start = time.perf_counter()
            latest = self._judge(frame, generation)
            if latest is not None:
                self._stats.frame_ms.append(1000.0 * (time.perf_counter() - start))
            return latest
        except Exception as error:  # noqa: BLE001 - the video must keep flowing
            LOGGER.exception("live frame processing failed")
            message = f"{type(error).__name__}: {error}"
            with self._lock:
                self._snap = replace(self._snap, error=message, updated_at=self._clock())
            return LatestResult(None, frame.arrived, error=message)

    def _judge(self, frame: CameraFrame, generation: int | None) -> LatestResult | None:
        """Pose model, routine, log and snapshot for one frame (no drawing).

        ``generation``: the judge thread's stream; None when the caller judges its own frame
        (`process_rgb`). A frame whose stream ended meanwhile (Stop pressed while the model was
        loading or running) is dropped, so it can neither mark the stream active again nor
        start a session and a log that nothing would close.
        """
        wall = self._clock()
        with self._lock:
            if self._mailbox.stale(generation):
                return None
            session = self._session
            if not self._stream_clock.started and session is not None and session.closed:
                session.close_log()
                self._session = session = None  # a new stream after a finished session: start afresh
            stream_t = self._stream_clock(frame.raw_t)
            self._stream_active = True
            if session is not None and session.paused == CAMERA_STOPPED:
                self._resume_locked()  # the camera is back: carry on at the same hold
            elif session is not None and session.paused:
                if self._pause_timer is not None:  # the camera is back: the person is there to choose
                    self._pause_timer.cancel()
                    self._pause_timer = None
                self._snap = replace(self._snap, stream_active=True, updated_at=self._clock())
                return LatestResult(None, frame.arrived, paused=True)  # paused by the person: no judging
        loaded = self._model.loaded
        model_start = time.perf_counter()
        result = self._model.estimate(frame.rgb, stream_t)
        if loaded:  # the first frame of a stream also loads the model: not a frame time
            self._stats.model_ms.append(1000.0 * (time.perf_counter() - model_start))

        with self._lock:
            if self._mailbox.stale(generation):
                return None
            if self._session is not None and self._session.paused:
                # Paused (Pause, It hurts) while the model ran on this frame: it is not judged,
                # or it would count hold time after the pause record.
                return LatestResult(None, frame.arrived, paused=True)
            session = self._session or self._start_session(stream_t)
            judged = session.judge(result, stream_t)
            self.frames_total += 1
            self._stats.judged_at(wall)
            height, width = frame.rgb.shape[:2]
            self._snap = snapshot_of(session, judged, self._stats, (int(width), int(height)), self._clock())
            return LatestResult(judged, frame.arrived, count=self.frames_total)

    def _start_session(self, stream_t: float) -> LiveSession:
        self._sessions_started += 1
        plan = None
        if self._log_dir is not None:
            plan = LogPlan(self._log_dir, model_display_name(self._model.model), self._log_routine_id,
                           self._log_side, self._retention)
        if self._session is not None:
            self._session.close_log()
        self._session = LiveSession(self._sessions_started, self._routine, self._stretches, stream_t, plan,
                                    self._stuck_after_s, pain_before=self._pain_before,
                                    hold_log_for_pain=self._ask_pain_after)
        self._pain_before = None
        log_path = self._session.log_path
        if log_path is not None and self.on_log_opened is not None:
            try:
                self.on_log_opened(log_path)
            except Exception:  # noqa: BLE001 - the session goes on; the log is still written
                LOGGER.exception("recording whose session log this is failed")
        return self._session

    # ------------------------------------------------------------ drawing
    def _render(self, rgb: np.ndarray, latest: LatestResult | None) -> np.ndarray:
        """The frame as the person sees it: mirrored if asked, with the judged result drawn."""
        if latest is not None and latest.paused:
            return self._banner_frame(rgb, "Paused. Press Resume to carry on.", (255, 210, 80))
        if latest is None or (latest.ok and latest.judged is None):
            return np.ascontiguousarray(rgb[:, ::-1] if self._mirror else rgb)  # nothing judged yet
        if latest.error is not None:
            return self._banner_frame(rgb, "Coaching stopped: " + latest.error, (255, 120, 100))
        assert latest.judged is not None
        try:
            return self._overlays[self._mirror].render_judged(rgb, latest.judged)
        except Exception as error:  # noqa: BLE001 - the video must keep flowing
            LOGGER.exception("drawing the overlay failed")
            return self._banner_frame(rgb, f"Drawing failed: {type(error).__name__}: {error}", (255, 120, 100))

    def _banner_frame(self, rgb: np.ndarray, text: str, colour: tuple[int, int, int]) -> np.ndarray:
        """The camera's picture with one line across its top (paused, or why coaching stopped)."""
        out = np.ascontiguousarray(rgb[:, ::-1] if self._mirror else rgb).copy()
        unit = max(0.5, out.shape[0] / 480.0)
        put_text(out, text[:70], (int(10 * unit), int(30 * unit)), 0.7 * unit, colour, 1)
        return out
