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
from coach.judged_frame import JudgedFrame, drained_events, ended_early, judge_frame
from coach.retention import Retention
from coach.routine import Phase, RoutineRunner
from coach.session_log import SessionLogWriter, header_record
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


class LiveSession:
    """The routine runner and the session's record, driven by judged frames (under the coach's lock)."""

    def __init__(self, session_id: int, routine: Routine, stretches: dict[str, Stretch], t0: float,
                 log_plan: LogPlan | None) -> None:
        self.session_id = session_id
        self.runner = RoutineRunner(routine, stretches)
        self.t0 = t0  # stream time of the session's first frame
        self.recorder = SessionRecorder(log_plan.open(routine, stretches) if log_plan else None)
        self.frames = 0

    @property
    def closed(self) -> bool:
        return self.recorder.closed

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
        judged = judge_frame(self.runner, result, stream_t - self.t0)
        if not self.closed:
            self.recorder.add(judged)
            if self.done:  # the runner's own phase: the frame completing the last hold reports "hold"
                self.finish(stopped=False)
        self.frames += 1
        return judged

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
            }
        try:
            self.recorder.close(summary)
        except OSError:
            LOGGER.exception("closing the session log failed")
        finally:
            if log is not None:
                retention.unregister_open(log.path)
