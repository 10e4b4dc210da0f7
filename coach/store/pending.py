"""Live sessions of logged-in patients that still have to reach the database.

A logged-in patient's session is imported when they answer (or skip) the pain-after
question. If they never do (the tab closed, the process killed), the log is still the
source of truth: when a patient's session log is opened, a small claim file
(``pending_import/<log name>.json`` next to the logs: the log's path and the patient's id)
is written, and `import_pending` imports every claimed log that this process is no longer
writing, on the next page load or app start. A log closed without the after score is
imported with pain-after missing; a log cut short by a killed process is recovered as far
as it is complete and verified (`import_log(recover=True)`), never beyond.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from coach.retention import open_logs
from coach.session_log import SessionLogError
from coach.store.database import Database, StoreError
from coach.store.importer import ImportResult, import_log

LOGGER = logging.getLogger(__name__)
FOLDER = "pending_import"


@dataclass(frozen=True)
class Claim:
    log_path: Path
    patient_id: int
    file: Path  # the claim itself


def claim(logs_folder: Path, log_path: str | Path, patient_id: int) -> Path:
    """Record that `log_path` (being written now) is `patient_id`'s session; returns the claim file."""
    folder = Path(logs_folder) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    log_path = Path(log_path).resolve()
    target = folder / f"{log_path.stem}.json"
    partial = target.with_suffix(".json.partial")
    partial.write_text(json.dumps({"log": str(log_path), "patient_id": patient_id}), encoding="utf-8")
    os.replace(partial, target)  # whole or not at all
    return target


def claims(logs_folder: Path) -> list[Claim]:
    """The claims waiting; an unreadable claim is reported in the server log and left alone."""
    found = []
    for file in sorted((Path(logs_folder) / FOLDER).glob("*.json")):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            found.append(Claim(Path(str(data["log"])), int(data["patient_id"]), file))
        except (OSError, ValueError, KeyError, TypeError) as error:
            LOGGER.warning("%s: not a pending-import claim (%s)", file, error)
    return found


def import_pending(db: Database, logs_folder: Path) -> list[ImportResult]:
    """Import every claimed log this process is not writing any more; drop each claim once settled.

    A log that is gone (deleted by the retention settings) or refused (damaged, edited, a
    patient removed) drops its claim with a line in the server log: trying again would not help.
    """
    writing = open_logs()
    imported = []
    for pending in claims(logs_folder):
        if pending.log_path.resolve() in writing:
            continue  # still this process's session (or waiting for its pain-after score)
        if pending.log_path.is_file():
            try:
                imported.append(import_log(db, pending.log_path, pending.patient_id, recover=True))
            except (SessionLogError, StoreError) as error:
                LOGGER.warning("session log %s could not be imported for patient %s: %s",
                               pending.log_path, pending.patient_id, error)
        else:
            LOGGER.warning("session log %s is gone; it was not imported", pending.log_path)
        pending.file.unlink(missing_ok=True)
    return imported
