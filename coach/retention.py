"""Old live session logs and analyses are deleted, and uploads do not outlive their session,
so the data folder and the temporary folder do not grow forever.

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

The same rule (the same `Retention`) applies to the Review page's `analyses/` folder, counting
each analysis (its four files `<name>_annotated.mp4`, `_session.jsonl`, `_summary.json`,
`_measurements.csv`) as one: `prune_analyses`, after each analysis.

Uploads go to a private temporary folder per browser session (`UploadFolder`), deleted when
the session's state is dropped or the app exits; folders left by an app process that died
are deleted by the next one (`prune_upload_folders`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LOGGER = logging.getLogger(__name__)

LIVE_LOG_GLOB = "live_*.jsonl"
#: A log modified this recently may be in progress in another process: never deleted.
GRACE_S = 600.0
DAY_S = 86400.0
#: The files of one analysis (see `coach.analyze`), after its name.
ANALYSIS_SUFFIXES = ("_annotated.mp4", "_session.jsonl", "_summary.json", "_measurements.csv")
UPLOAD_PREFIX = "stretch-coach-upload-"

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
    units = [[path] for path in folder.glob(LIVE_LOG_GLOB)]
    deleted = _prune(units, policy, set(protect) | open_logs(), now)
    if deleted:
        LOGGER.info("deleted %d old session log(s) from %s", len(deleted), folder)
    return deleted


def prune_analyses(folder: Path, policy: Retention, protect: Iterable[Path] = (),
                   now: float | None = None) -> list[Path]:
    """Delete analyses (each its four files, together) beyond the policy, as `prune_session_logs`
    does for logs. Hidden files (a run's `.partial-*` folder) and other files are never touched."""
    if not policy.active or not folder.is_dir():
        return []
    groups: dict[str, list[Path]] = {}
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        for suffix in ANALYSIS_SUFFIXES:
            if path.name.endswith(suffix):
                groups.setdefault(path.name[: -len(suffix)], []).append(path)
    deleted = _prune(list(groups.values()), policy, set(protect), now)
    if deleted:
        LOGGER.info("deleted %d file(s) of old analyses from %s", len(deleted), folder)
    return deleted


def _prune(units: list[list[Path]], policy: Retention, protect: set[Path], now: float | None) -> list[Path]:
    """The rule shared by logs and analyses: each unit (files deleted together) is as new as
    its newest file; beyond `keep` newest, or older than `max_age_days`, it goes, unless
    protected or modified in the last `GRACE_S` seconds."""
    now = time.time() if now is None else now
    protected = {Path(p).resolve() for p in protect}
    dated = []
    for unit in units:
        try:
            files = [path for path in unit if path.is_file()]
            if files:
                dated.append((max(path.stat().st_mtime for path in files), min(p.name for p in files), files))
        except OSError:
            continue
    dated.sort(key=lambda item: (item[0], item[1]), reverse=True)
    deleted = []
    for rank, (mtime, _, files) in enumerate(dated):
        too_many = policy.keep > 0 and rank >= policy.keep
        too_old = policy.max_age_days > 0 and now - mtime > policy.max_age_days * DAY_S
        if not (too_many or too_old):
            continue
        if any(path.resolve() in protected for path in files) or now - mtime < GRACE_S:
            continue
        for path in files:
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as error:
                LOGGER.warning("could not delete the old file %s: %s", path, error)
                continue
            deleted.append(path)
    return deleted


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_orphans(parent: Path, prefix: str, now: float, *, max_age_s: float = DAY_S,
                   untouched_since: float | None = None) -> list[Path]:
    """Delete what processes that are gone left behind: our entries named ``<prefix><pid>-...``
    whose process no longer runs, or that nobody touched for ``max_age_s``. Entries modified
    at or after ``untouched_since`` are kept (a run starting now may own them)."""
    removed = []
    for path in parent.glob(prefix + "*"):
        try:
            info = path.lstat()
        except OSError:
            continue
        if info.st_uid != os.getuid() or (untouched_since is not None and info.st_mtime >= untouched_since):
            continue
        pid_text = path.name[len(prefix):].split("-", 1)[0]
        gone = pid_text.isdigit() and int(pid_text) != os.getpid() and not _pid_alive(int(pid_text))
        if not (gone or now - info.st_mtime > max_age_s):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


class UploadFolder:
    """A private (0700) temporary folder for one browser session's uploads.

    Deleted by `remove()`, when this object is garbage collected (Streamlit drops a session's
    state some time after its tab closes) or when the process exits. The process id is in
    the name, so `prune_upload_folders` can tell the folders of a process that died.
    """

    def __init__(self, parent: Path | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-", dir=parent))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)

    def remove(self) -> None:
        self._finalizer()


def prune_upload_folders(parent: Path | None = None, now: float | None = None) -> list[Path]:
    """Delete upload folders of app processes that are gone (or untouched for a day)."""
    parent = Path(tempfile.gettempdir()) if parent is None else parent
    return remove_orphans(parent, UPLOAD_PREFIX, time.time() if now is None else now)
