"""A hold the live screen called complete is "completed" in the log and its summary (issue 15).

Holds completed live used to be logged as held 29.93-30.0 s and shown as not
completed: the frame that completed the hold was dropped from the log (it came
back as a rest frame, or as the next slot's countdown), and the summary compared a
re-summed float with the target. The routine here runs on synthetic landmarks at
30 frames/s with real float timestamps and is logged the way the live page logs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from coach.landmarks import Landmarks
from coach.routine import Phase, RoutineRunner
from coach.session_log import SessionLogWriter, event_record, frame_record, header_record, load_session_log
from coach.stretches import Routine, RoutineStep, load_library
from coach.summary import summarize
from coachlab.synthetic.body import BodyProportions

from synthetic_cases import CORRECT, landmarks_for

LIBRARY = load_library()
BODY = BodyProportions.average_female()


def live_session(path: Path, routine: Routine, seconds: float) -> RoutineRunner:
    """Run the routine on a correct pose at 30 fps, writing the log as the live page does."""
    stretches = [LIBRARY.stretches[s.stretch_id] for s in routine.steps]
    runner = RoutineRunner(routine, LIBRARY.stretches)
    poses: dict[tuple[str, str | None], Landmarks] = {}
    frames = []
    with SessionLogWriter(path, header_record(stretches, source="live", model="full", routine_id=routine.id)) as log:
        for i in range(int(seconds * 30)):
            t = i / 30.0
            slot = runner.slot
            if slot is None:
                break
            key = (slot.stretch.id, slot.side)
            if key not in poses:
                poses[key] = landmarks_for(CORRECT[slot.stretch.id](BODY), BODY, slot.stretch.id, slot.side)
            status = runner.update(dataclasses.replace(poses[key], timestamp_s=t), t)
            update = status.update if status.phase is not Phase.REST else None
            if update is not None and status.slot is not None:
                record = frame_record(update, t, status.slot.stretch.id, status.slot.side, status.phase.value,
                                      status.slot.rep, 1)
                log.frame(record)
                frames.append(record)
            for event_slot, event in runner.drain_events():
                log.event(event_record(event, event_slot.stretch.id, event_slot.side, event_slot.rep))
        runner.stop()
        log.close(summarize(frames))
    return runner


def test_a_30_s_hold_completed_live_is_completed_in_the_log(tmp_path: Path) -> None:
    # Right side then (after a 10 s rest) left side: the completing frame falls into the rest.
    twist = LIBRARY.stretches["seated_piriformis_twist"]
    routine = Routine("twist", "Twist", "", 5.0, (RoutineStep(twist.id, ("right", "left"), 1, 30.0, 10.0),))
    runner = live_session(tmp_path / "s.jsonl", routine, seconds=95.0)
    assert [r.completed for r in runner.results] == [True, True]  # what the live screen said

    log = load_session_log(tmp_path / "s.jsonl")
    assert log.summary is not None
    for summary in (log.summary, summarize(log.frames)):
        holds = summary["holds"]
        assert [(h["side"], h["completed"]) for h in holds] == [("right", True), ("left", True)]
        assert all(h["held_s"] == pytest.approx(30.0) and h["target_s"] == 30.0 for h in holds)
    last_frames = [[f for f in log.frames if f["side"] == side][-1] for side in ("right", "left")]
    assert all(f["hold"]["state"] == "complete" and f["phase"] == "hold" for f in last_frames)


def test_the_last_hold_of_a_routine_is_completed_too(tmp_path: Path) -> None:
    # No rest after the last hold: the completing frame used to become the end of the routine.
    dog = LIBRARY.stretches["downward_dog"]
    routine = Routine("dog", "Dog", "", 2.0, (RoutineStep(dog.id, (None,), 1, 30.0, 0.0),))
    runner = live_session(tmp_path / "s.jsonl", routine, seconds=40.0)
    assert runner.results[0].completed and not runner.results[0].skipped
    log = load_session_log(tmp_path / "s.jsonl")
    assert log.summary is not None
    [hold] = log.summary["holds"]
    assert hold["completed"] and hold["held_s"] == pytest.approx(30.0)


def test_an_older_log_without_the_completing_frame_is_read_from_its_events(tmp_path: Path) -> None:
    twist = LIBRARY.stretches["seated_piriformis_twist"]
    routine = Routine("twist", "Twist", "", 5.0, (RoutineStep(twist.id, ("right",), 1, 30.0, 10.0),))
    live_session(tmp_path / "s.jsonl", routine, seconds=40.0)
    log = load_session_log(tmp_path / "s.jsonl")
    # As logs written before the fix: the frame carrying the timer's "complete" is missing.
    older = [f for f in log.frames if f["hold"]["state"] != "complete"]
    assert older[-1]["hold"]["held"] < 30.0
    assert not summarize(older)["holds"][0]["completed"]
    assert summarize(older, log.events)["holds"][0]["completed"]
