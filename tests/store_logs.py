"""Real session logs for the store tests: the real routine runner and log writer on synthetic landmarks.

As `tests/test_completed_hold.py` does, the runner is fed a correct pose of the
synthetic body at 30 frames/s and every frame is logged the way the live page logs
it, with the live summary and, if given, pain scores; seconds per log, no model.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from coach.landmarks import Landmarks
from coach.routine import Phase, RoutineRunner
from coach.session_log import SessionLogWriter, event_record, frame_record, header_record
from coach.stretches import Library, Routine, RoutineStep, load_library
from coach.summary import summarize
from coachlab.synthetic.body import BodyProportions

from synthetic_cases import CORRECT, landmarks_for

LIBRARY: Library = load_library()
BODY = BodyProportions.average_female()
_POSES: dict[tuple[str, str | None], Landmarks] = {}


def _pose(stretch_id: str, side: str | None) -> Landmarks:
    if (stretch_id, side) not in _POSES:
        _POSES[stretch_id, side] = landmarks_for(CORRECT[stretch_id](BODY), BODY, stretch_id, side)
    return _POSES[stretch_id, side]


def make_log(path: Path, started: datetime, steps: tuple[tuple[str, tuple[str | None, ...]], ...] =
             (("seated_figure_four", ("right", "left")),), hold_s: float = 2.0,
             pain: tuple[int | None, int | None] = (None, None), stop_after_s: float | None = None) -> Path:
    """A live session log: each step held `hold_s` correctly; pain before/after if given."""
    routine = Routine("plan", "Plan", "", 0.5, tuple(RoutineStep(s, sides, 1, hold_s, 0.5) for s, sides in steps))
    runner = RoutineRunner(routine, LIBRARY.stretches)
    stretches = [LIBRARY.stretches[s] for s, _ in steps]
    frames = []
    header = header_record(stretches, source="live", model="pose_landmarker_full.task", routine_id="plan",
                           started=started)
    with SessionLogWriter(path, header) as log:
        if pain[0] is not None:
            log.pain("before", pain[0])
        i = 0
        while runner.slot is not None and (stop_after_s is None or i / 30 < stop_after_s):
            t = i / 30.0
            slot = runner.slot
            status = runner.update(dataclasses.replace(_pose(slot.stretch.id, slot.side), timestamp_s=t), t)
            if status.phase is not Phase.REST and status.update is not None and status.slot is not None:
                record = frame_record(status.update, t, status.slot.stretch.id, status.slot.side,
                                      status.phase.value, status.slot.rep, 1)
                log.frame(record)
                frames.append(record)
            for event_slot, event in runner.drain_events():
                log.event(event_record(event, event_slot.stretch.id, event_slot.side, event_slot.rep))
            i += 1
        stopped = runner.slot is not None
        runner.stop()
        if pain[1] is not None:
            log.pain("after", pain[1], t=i / 30)
        summary = summarize(frames)
        summary["live"] = {"routine": "plan", "frames": i, "stopped_early": stopped,
                           "holds": [r.record() for r in runner.results]}
        log.close(summary)
    return path
