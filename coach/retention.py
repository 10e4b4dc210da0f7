"""Old live session logs are deleted, so the data folder does not grow forever.

A live session log holds every frame's landmarks: about 1.7 MB a minute of coaching at 20
frames a second. The live coach keeps the newest `keep` logs and none older than
`max_age_days` (settings STRETCH_COACH_KEEP_SESSIONS, default 100, and
STRETCH_COACH_KEEP_DAYS, default 90; 0 turns either limit off). It prunes when a session
starts, and never deletes:

* a log that is being written (the session in progress, here or in another browser tab
  of the same app: `open_logs()`), nor one written to in the last `GRACE_S` seconds (another
  app process may be writing it);
* any file that is not a live session log (`live_*.jsonl`): logs a therapist saved or
  renamed, analyses, anything else in the folder.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LOGGER = logging.getLogger(__name__)

LIVE_LOG_GLOB = "live_*.jsonl"
#: A log modified this recently may be in progress in another process: never deleted.
GRACE_S = 600.0
DAY_S = 86400.0

_open_lock = threading.Lock()
_open: set[Path] = set()


def register_open(path: Path) -> None:
    """A session log is being written (until `unregister_open`)."""
    with _open_lock:
        _open.add(Path(path).resolve())


def unregister_open(path: Path) -> None:
    with _open_lock:
        _open.discard(Path(path).resolve())


def open_logs() -> set[Path]:
    """Logs of sessions in progress in this process."""
    with _open_lock:
        return set(_open)


@dataclass(frozen=True)
class Retention:
    """Keep at most `keep` live session logs, none older than `max_age_days` (0: no limit)."""

    keep: int = 100
    max_age_days: float = 90.0

    @property
    def active(self) -> bool:
        return self.keep > 0 or self.max_age_days > 0


def prune_session_logs(folder: Path, policy: Retention, protect: Iterable[Path] = (),
                       now: float | None = None) -> list[Path]:
    """Delete live session logs beyond the policy; returns what was deleted.

    Newest first by modification time (a log is last written when its session ends).
    `protect` (and `open_logs()`) are never deleted, nor is anything modified in the last
    `GRACE_S` seconds; they still count towards `keep`.
    """
    if not policy.active or not folder.is_dir():
        return []
    now = time.time() if now is None else now
    protected = {Path(p).resolve() for p in protect} | open_logs()
    logs = []
    for path in folder.glob(LIVE_LOG_GLOB):
        try:
            if path.is_file():
                logs.append((path.stat().st_mtime, path))
        except OSError:
            continue
    logs.sort(key=lambda item: (item[0], item[1].name), reverse=True)
    deleted = []
    for rank, (mtime, path) in enumerate(logs):
        too_many = policy.keep > 0 and rank >= policy.keep
        too_old = policy.max_age_days > 0 and now - mtime > policy.max_age_days * DAY_S
        if not (too_many or too_old):
            continue
        if path.resolve() in protected or now - mtime < GRACE_S:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            LOGGER.warning("could not delete the old session log %s: %s", path, error)
            continue
        deleted.append(path)
    if deleted:
        LOGGER.info("deleted %d old session log(s) from %s", len(deleted), folder)
    return deleted
