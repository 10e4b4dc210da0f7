"""One live session: a run of the routine with its runner, its log and its summary.

A session starts on the first judged frame when none is running and ends when the
routine is done, on Stop, when the page switches routine, or when the stream ends.
Its log gets every frame and hold event as they happen (so a killed process loses at
most a second) and closes with the summary, including each hold as the runner decided it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from coach import retention
from coach.estimator import PoseResult
from coach.free_names import numbered
from coach.person_size import HeightsSeen, RecentHeight
from coach.judged_frame import JudgedFrame, drained_events, ended_early, judge_frame
from coach.retention import Retention
from coach.routine import Phase, RoutineRunner
from coach.hold import HoldEvent, HoldState
from coach.session_log import SessionLogWriter, event_record, header_record
from coach.session_recorder import SessionRecorder
from coach.stretches import Routine, Stretch

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogPlan:
    """Where and how a live session's log is written (None for no log)."""

    folder: Path
    model_name: str
    routine_id: str | None = None  # the routine chosen on the page (None: a single stretch)
    side: str | None = None
    retention: Retention | None = None  # old live logs to delete when a session starts

    def open(self, routine: Routine, stretches: dict[str, Stretch]) -> SessionLogWriter:
        used = list(dict.fromkeys(stretches[s.stretch_id] for s in routine.steps))
        header = header_record(used, source="live", model=self.model_name,
                               routine_id=self.routine_id, side=self.side)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        for name in numbered(f"live_{stamp}_{routine.id}"):
            try:
                log = SessionLogWriter(self.folder / f"{name}.jsonl", header)  # created exclusively
            except FileExistsError:
                continue
            retention.register_open(log.path)
            self._prune(log.path)
            return log
        raise OSError(f"{self.folder}: too many session logs named live_{stamp}_{routine.id}")

    def _prune(self, protect: Path) -> None:
        if self.retention is None:
            return
        try:
            retention.prune_session_logs(self.folder, self.retention, protect=[protect])
        except OSError:
            LOGGER.exception("deleting old session logs failed")


#: Why a session is paused: the person pressed Pause, or the camera stopped (it carries on
#: by itself when the camera starts again).
PAUSED_BY_PERSON = "paused by you"
CAMERA_STOPPED = "camera stopped"
#: The person pressed "It hurts": the session pauses and the page asks whether to stop.
IT_HURTS = "it hurts"
#: The hold event logged when the person presses Ready during a set-up step.
READY_PRESSED = "set-up: ready pressed"
#: Session time between the last frame before a pause and the first one after it.
RESUME_STEP_S = 1.0 / 30.0


class LiveSession:
    """The routine runner and the session's record, driven by judged frames (under the coach's lock).

    Session time is the time coached: a pause (the Pause button, or the camera stopped to move
    the laptop) stops it, so the hold timer, countdowns and rests carry on where they were.
    """

    def __init__(self, session_id: int, routine: Routine, stretches: dict[str, Stretch], t0: float,
                 log_plan: LogPlan | None, stuck_after_s: float | None = None, pain_before: int | None = None,
                 hold_log_for_pain: bool = False) -> None:
        """``pain_before``: the patient's 0-10 score given before the session (written after the header).
        ``hold_log_for_pain``: when the routine ends, keep the log open (summary computed) until
        `pain_after` is answered or skipped, so the after score goes in before the end record."""
        self.session_id = session_id
        self.runner = RoutineRunner(routine, stretches)
        self.t0 = t0  # stream time of the session's first frame (moved on after a pause)
        self.recorder = SessionRecorder(log_plan.open(routine, stretches) if log_plan else None)
        self.frames = 0
        self.paused: str | None = None  # why, while paused
        self.last_t = 0.0
        self._rebase = False
        self.stuck_after_s = stuck_after_s
        self._progress: tuple[int, float] | None = None  # (hold, held seconds) at the last progress
        self._progress_t = 0.0
        self._stuck_noted: int | None = None
        self.hold_log_for_pain = hold_log_for_pain
        self.finished = False
        #: The person's recent height in the picture (pixels, median of the last seconds; None: not seen).
        self.person_height_px: float | None = None
        self._recent_height = RecentHeight()
        self._heights_seen = HeightsSeen()  # for the log's summary: was the person big enough to read well
        self._held_summary: dict[str, Any] | None = None
        if pain_before is not None and self.recorder.log is not None:
            self.recorder.log.pain("before", pain_before, None)

    @property
    def stuck_s(self) -> float:
        """Seconds of this hold without any time counted (0 outside a hold)."""
        return self.last_t - self._progress_t if self._progress is not None else 0.0

    @property
    def stuck(self) -> bool:
        return self.stuck_after_s is not None and self.stuck_s >= self.stuck_after_s

    @property
    def closed(self) -> bool:
        """The session is over (its log closed, or held open only for the pain-after score)."""
        return self.finished or self.recorder.closed

    @property
    def awaiting_pain_after(self) -> bool:
        return self.finished and not self.recorder.closed

    def pain_before(self, score: int) -> None:
        """A before score given after the session had started (logged at the session time it came)."""
        if not self.closed and self.recorder.log is not None:
            self.recorder.log.pain("before", score, self.last_t if self.frames else None)

    def pain_after(self, score: int | None) -> None:
        """The patient's after score (None: skipped): written, then the held log is closed."""
        if not self.awaiting_pain_after:
            return
        if score is not None and self.recorder.log is not None:
            self.recorder.log.pain("after", score, self.last_t)
        self.close_log()

    def close_log(self) -> None:
        """Close a log held open for the pain-after score (nothing to do otherwise)."""
        if not self.awaiting_pain_after:
            return
        log = self.recorder.log
        try:
            self.recorder.close(self._held_summary)
        except OSError:
            LOGGER.exception("closing the session log failed")
        finally:
            if log is not None:
                retention.unregister_open(log.path)

    @property
    def done(self) -> bool:
        return self.runner.phase is Phase.DONE

    @property
    def ended_early(self) -> bool:
        return ended_early(self.runner)

    @property
    def log_path(self) -> str | None:
        log = self.recorder.log
        return str(log.path) if log is not None else None

    def judge(self, result: PoseResult, stream_t: float) -> JudgedFrame:
        """One frame through the routine; the log gets it while the session is open."""
        if self._rebase:  # the first frame after a pause: session time carries on from there
            self.t0 = stream_t - self.last_t - RESUME_STEP_S
            self._rebase = False
        t = max(stream_t - self.t0, self.last_t)
        judged = judge_frame(self.runner, result, t)
        self.last_t = t
        self.person_height_px = self._recent_height.update(judged.landmarks, t)
        self._note_progress(judged)
        if not self.closed:
            record = self.recorder.add(judged)
            if record is not None and judged.landmarks is not None:
                self._heights_seen.add(record["stretch"], judged.landmarks)
            if self.stuck and self._stuck_noted != judged.status.slot_index:
                self._stuck_noted = judged.status.slot_index
                self._mark(f"no time counted for {self.stuck_s:.0f} s: offered to skip or show the set-up")
            if self.done:  # the runner's own phase: the frame completing the last hold reports "hold"
                self.finish(stopped=False)
        self.frames += 1
        return judged

    def _note_progress(self, judged: JudgedFrame) -> None:
        """When the hold last counted time (a new hold counts as progress; its start position
        is part of it: waiting there counts no time either)."""
        hold = judged.status.hold
        if judged.status.phase not in (Phase.START, Phase.HOLD) or hold is None:
            self._progress = None
            return
        now = (judged.status.slot_index, hold.held_s)
        if self._progress is None or now[0] != self._progress[0] or now[1] > self._progress[1] + 1e-6:
            self._progress, self._progress_t = now, self.last_t

    def pause(self, reason: str) -> None:
        """Stop the session's clock (logged); frames are not judged until `resume`."""
        if self.closed or self.done or self.paused:
            return
        self.paused = reason
        self._mark(f"session paused: {reason}")

    def it_hurts(self) -> None:
        """The person says it hurts: the moment goes into the log (a pain record 'during', no
        score asked mid-stretch) and the session pauses until they choose to stop or carry on."""
        if self.closed or self.done:
            return
        if self.recorder.log is not None:
            self.recorder.log.pain("during", None, self.last_t)
        self.paused = None  # whatever paused it before, it is paused because it hurts now
        self.pause(IT_HURTS)

    def resume(self) -> None:
        """Carry on where the session paused (logged); the pause took no session time."""
        if not self.paused or self.closed:
            return
        self.paused = None
        self._rebase = True
        self._progress_t = self.last_t  # time away is not time stuck
        # Paused, the person may have moved the laptop or the chair: a slump check against the
        # start position would read the new distance as a slump.
        self.runner.forget_start_reference()
        self._mark("session resumed")

    def ready(self) -> None:
        """The Ready button during a set-up step: logged ("set-up: ready pressed"), then the countdown."""
        if self.closed or self.paused or self.runner.phase is not Phase.SETUP:
            return
        self._mark(READY_PRESSED)
        self.control(lambda runner: runner.ready())

    def _mark(self, reason: str) -> None:
        """A moment worth finding in the log (pause, resume, a stuck hold), as a hold event."""
        slot, tracker = self.runner.slot, self.runner.tracker
        if slot is None or tracker is None:
            return
        timer = tracker.timer
        state = HoldState.PAUSED if reason.startswith("session paused") else timer.state
        self.recorder.add_events(drained_events(self.runner))
        self.recorder.add_events([event_record(HoldEvent(self.last_t, state, round(timer.held_s, 3), reason),
                                               slot.stretch.id, slot.side, slot.rep)])

    def control(self, action: Callable[[RoutineRunner], None]) -> None:
        """Skip, repeat or stop between frames; a control that ends the routine closes the log."""
        if self.closed:
            return
        action(self.runner)
        if self.done:
            self.finish(stopped=True)

    def stop(self) -> None:
        """End the session now (an unfinished hold is recorded as skipped)."""
        if not self.closed:
            self.runner.stop()
            self.finish(stopped=True)

    def finish(self, stopped: bool) -> None:
        """Close the log with its summary; the holds are recorded as the runner decided them."""
        if self.closed:
            return
        self.recorder.add_events(drained_events(self.runner))
        log = self.recorder.log
        summary: dict[str, Any] | None = None
        if log is not None:
            summary = self.recorder.summary()
            summary["live"] = {
                "routine": self.runner.routine.id,
                "frames": self.frames,
                "stopped_early": stopped,
                "holds": [r.record() for r in self.runner.results],
                "person_height_px": self._heights_seen.median(),
                "notes": self._heights_seen.notes(self.runner.stretches),
            }
        self.finished = True
        if self.hold_log_for_pain and log is not None:
            self._held_summary = summary  # closed by pain_after / close_log
            return
        try:
            self.recorder.close(summary)
        except OSError:
            LOGGER.exception("closing the session log failed")
        finally:
            if log is not None:
                retention.unregister_open(log.path)
