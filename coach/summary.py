"""Session summary from frame records: what a therapist reads first.

Computed from the log's frame records alone, so the same numbers come out for a
live session, an analysed video, and a log opened later on another machine.
Per stretch and side: seconds held correctly, longest continuous correct hold,
time to the first correct pose, the cues given most (in seconds shown), and
statistics of each checked measurement.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from coach.hold import HoldState

#: Frames further apart than this are a gap (dropped stream), not time on a cue.
MAX_CUE_INTERVAL_S = 1.0


def _stats(values: list[float]) -> dict[str, float] | None:
    finite = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if finite.size == 0:
        return None
    return {
        "n": int(finite.size),
        "mean": round(float(finite.mean()), 2),
        "median": round(float(np.median(finite)), 2),
        "min": round(float(finite.min()), 2),
        "max": round(float(finite.max()), 2),
        "p10": round(float(np.percentile(finite, 10)), 2),
        "p90": round(float(np.percentile(finite, 90)), 2),
    }


def _held_total(frames: list[Mapping[str, Any]]) -> float:
    """Sum of the peaks of each hold (the counter restarts after a long absence)."""
    total, peak, previous = 0.0, 0.0, 0.0
    for frame in frames:
        held = float(frame["hold"]["held"])
        if held + 1e-6 < previous:  # a new hold started
            total += peak
            peak = 0.0
        peak = max(peak, held)
        previous = held
    return total + peak


def summarize(frames: Iterable[Mapping[str, Any]], events: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Summary of frame records, grouped by stretch, side and rep, in order of appearance.

    A hold is completed when its hold timer said so (a frame whose timer state is
    "complete", or a "complete" event in `events`): the same decision the live
    screen showed, never a re-summed float compared with the target.
    """
    groups: dict[tuple[str, str | None, int], list[Mapping[str, Any]]] = defaultdict(list)
    waiting: dict[tuple[str, str | None, int], list[Mapping[str, Any]]] = defaultdict(list)
    order: dict[tuple[str, str | None, int], None] = {}
    for frame in frames:
        key = (frame["stretch"], frame.get("side"), int(frame.get("rep", 1)))
        phase = frame.get("phase", "hold")
        if phase in ("start", "hold"):
            order.setdefault(key)
        if phase == "hold":
            groups[key].append(frame)
        elif phase == "start":
            waiting[key].append(frame)
    # A hold that never got past its start position (a clip or session that ended there) is
    # still a hold tried: listed from its start-position frames, with nothing held.
    groups = {key: groups.get(key) or waiting[key] for key in order}
    completed_by_event = {(e["stretch"], e.get("side"), int(e.get("rep", 1)))
                          for e in events if e.get("state") == HoldState.COMPLETE.value}

    holds = []
    for (stretch_id, side, rep), items in groups.items():
        items.sort(key=lambda f: f["t"])
        start = items[0]["t"]
        first_correct = next((f["t"] for f in items if f["correct"]), None)
        cues: Counter[str] = Counter()
        for before, after in zip(items, items[1:]):
            if before.get("cue"):
                cues[before["cue"]] += min(after["t"] - before["t"], MAX_CUE_INTERVAL_S)
        check_ids = list(items[0]["checks"])
        measurements = {}
        for check_id in check_ids:
            all_values = [f["checks"][check_id]["value"] for f in items if check_id in f["checks"]]
            correct_values = [f["checks"][check_id]["value"] for f in items if f["correct"] and check_id in f["checks"]]
            statuses = [f["checks"].get(check_id, {}).get("status") for f in items]
            # frames where a start-relative check could not be judged say nothing about it
            judged = [s for s in statuses if s != "unjudged"]
            measurements[check_id] = {
                "all": _stats(all_values),
                "while_correct": _stats(correct_values),
                "ok_fraction": round(judged.count("ok") / len(judged), 3) if judged else None,
            }
        held = _held_total(items)
        target = float(items[-1]["hold"].get("target", math.nan))
        holds.append({
            "stretch": stretch_id,
            "side": side,
            "rep": rep,
            "target_s": target,
            "held_s": round(held, 2),
            "completed": (stretch_id, side, rep) in completed_by_event
                         or any(f["hold"]["state"] == HoldState.COMPLETE.value for f in items),
            "longest_hold_s": round(max(float(f["hold"].get("longest", 0.0)) for f in items), 2),
            "time_to_first_correct_s": None if first_correct is None else round(first_correct - start, 2),
            "duration_s": round(items[-1]["t"] - start, 2),
            "frames": len(items),
            "frames_with_person": sum(1 for f in items if f.get("person")),
            "top_cues": [[cue, round(seconds, 1)] for cue, seconds in cues.most_common(3)],
            "measurements": measurements,
        })
    return {"holds": holds}
