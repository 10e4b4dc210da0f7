"""The live camera path: one `LiveCoach` per browser session, fed by streamlit-webrtc.

Threads (streamlit-webrtc with ``async_processing=True``):

* the **frame worker thread** calls `LiveCoach.process` with the newest camera
  frame (older ones are dropped by streamlit-webrtc when it falls behind);
* **aiortc's event loop** calls `LiveCoach.on_stream_ended` when the stream
  stops (STOP pressed, page closed, connection lost), after the worker finished;
* the **script thread** (the page and its 4 Hz fragment) reads `snapshot()` and
  calls the controls `skip()`, `repeat()`, `stop()`, `restart()`.

Nothing here touches Streamlit: the script keeps the object in
``st.session_state`` and hands its bound methods to `webrtc_streamer`.

Locks: ``_lock`` guards the routine runner, the session log and the published
snapshot; it is held only for the cheap steps (judging, timing, logging). The
pose model runs outside it, under ``_model_lock``, so the 4 Hz panel and the
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

from coach.estimator import EstimatorOptions, PoseEstimator, PoseResult, resolve_model_path
from coach.overlay import Overlay, put_text
from coach.routine import HoldResult, Phase, RoutineRunner, RoutineStatus
from coach.session_log import SessionLogWriter, event_record, frame_record, header_record
from coach.stretches import Routine, Stretch, fill_sides
from coach.summary import summarize
from coach.verdicts import CheckStatus

LOGGER = logging.getLogger(__name__)

EstimatorFactory = Callable[[EstimatorOptions], Any]

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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._stretches = stretches
        self._routine = routine
        self._log_routine_id = log_routine_id
        self._log_side = log_side
        self._model = model
        self._log_dir = Path(log_dir) if log_dir is not None else None
        self._estimator_factory: EstimatorFactory = estimator_factory or PoseEstimator
        self._clock = clock
        self._mirror = mirror
        self._estimator: Any = None
        self._estimator_failed: str | None = None
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

    # ------------------------------------------------------------ settings
    def configure(
        self,
        routine: Routine | None = None,
        *,
        log_routine_id: str | None = None,
        log_side: str | None = None,
        model: str | None = None,
        mirror: bool | None = None,
    ) -> None:
        """Change settings from the page. Routine and model apply to the next session/stream."""
        with self._lock:
            if routine is not None:
                self._routine = routine
                self._log_routine_id = log_routine_id
                self._log_side = log_side
            if model is not None:
                self._model = model
            if mirror is not None:
                self._mirror = mirror

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
        """A session is running (settings that change the routine must wait)."""
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

    # ------------------------------------------------------------ the callback
    def process(self, frame: Any) -> Any:
        """streamlit-webrtc's ``video_frame_callback``: av.VideoFrame in, annotated av.VideoFrame out."""
        import av

        rgb = frame.to_ndarray(format="rgb24")
        raw_t = frame.time if frame.time is not None else None
        out = self.process_rgb(rgb, raw_t)
        height, width = out.shape[:2]
        if width % 2 == 0 and height % 2 == 0:
            # Hand the encoder the pixel format it needs: streamlit-webrtc re-sends the last
            # processed frame for every camera frame, and each re-send would convert it again.
            i420 = cv2.cvtColor(out, cv2.COLOR_RGB2YUV_I420)
            return av.VideoFrame.from_ndarray(i420, format="yuv420p")
        return av.VideoFrame.from_ndarray(out, format="rgb24")

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
        """The callback's work on an RGB array (any size); returns the annotated frame."""
        try:
            start = time.perf_counter()
            out = self._process(rgb, raw_t)
            self._frame_times.append(1000.0 * (time.perf_counter() - start))
            return out
        except Exception as error:  # noqa: BLE001 - the video must keep flowing
            LOGGER.exception("live frame processing failed")
            message = f"{type(error).__name__}: {error}"
            with self._lock:
                self._snap = replace(self._snap, error=message, updated_at=self._clock())
            return self._error_frame(rgb, "Coaching stopped: " + message)

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
            if self._estimator is None:
                if self._estimator_failed:
                    raise RuntimeError(self._estimator_failed)
                try:
                    self._estimator = self._estimator_factory(EstimatorOptions(model=self._model))
                except Exception as error:
                    self._estimator_failed = f"the pose model could not be loaded: {error}"
                    raise RuntimeError(self._estimator_failed) from None
            return self._estimator.process(rgb, stream_t)

    def _process(self, rgb: np.ndarray, raw_t: float | None) -> np.ndarray:
        wall = self._clock()
        with self._lock:
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
            self._frame_walls.append(wall)
            self._snap = self._make_snapshot(session, status, result, t, rgb.shape)
            title = f"{runner.routine.name}: {slot.label}" if slot else runner.routine.name
            if len(runner.slots) == 1 and slot is not None:
                title = slot.label
            mirror = self._mirror
        instruction = status.instruction
        if status.phase is Phase.DONE and _stopped(runner.results):
            instruction = "Session ended. Your summary is on the page."
        # Resting or done: no verdict, but the person is drawn plainly (not "not in frame").
        return Overlay(mirror=mirror).render_update(rgb, update, result.landmarks, title=title,
                                                    instruction=instruction, second_person=result.second_person)

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
