"""The record of one judged session: its log and the frames its summary needs.

The live coach and `coach analyze` record a session the same way: each judged frame's
log record and hold events go to the session log as they happen (a crash keeps them),
and the summary is computed from the same records when the session closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from coach.judged_frame import JudgedFrame
from coach.session_log import SessionLogWriter
from coach.summary import summarize


class SessionRecorder:
    """Writes judged frames to a session log (optional) and keeps what the summary reads."""

    def __init__(self, log: SessionLogWriter | None) -> None:
        self.log = log
        #: Frame records without their landmarks (the summary never reads them; memory stays flat).
        self.frames: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []  # hold events: the summary takes completion from them
        self.closed = False

    def add(self, judged: JudgedFrame) -> dict[str, Any] | None:
        """Record one frame and its events; returns the kept frame record (None: nothing judged)."""
        kept = None
        if judged.record is not None:
            if self.log is not None:
                self.log.frame(judged.record)
            kept = {k: v for k, v in judged.record.items() if k != "landmarks"}
            self.frames.append(kept)
        self.add_events(judged.events)
        return kept

    def add_events(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            self.events.append(event)
            if self.log is not None:
                self.log.event(event)

    def summary(self) -> dict[str, Any]:
        return summarize(self.frames, self.events)

    def close(self, summary: dict[str, Any] | None) -> None:
        """Close the log with its summary record (once)."""
        if self.closed:
            return
        self.closed = True
        if self.log is not None:
            self.log.close(summary)
