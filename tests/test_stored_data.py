"""Stored data does not pile up: analyses follow the live-log retention rule, upload folders
are private and deleted after use."""

from __future__ import annotations

import gc
import os
import stat
import subprocess
import sys
from pathlib import Path

from coach.retention import (
    DAY_S,
    GRACE_S,
    Retention,
    UploadFolder,
    prune_analyses,
    prune_upload_folders,
)

SUFFIXES = ("_annotated.mp4", "_session.jsonl", "_summary.json", "_measurements.csv")


def _analysis(folder: Path, name: str, mtime: float) -> list[Path]:
    files = []
    for suffix in SUFFIXES:
        path = folder / f"{name}{suffix}"
        path.write_text(name)
        os.utime(path, (mtime, mtime))
        files.append(path)
    return files


def test_analyses_are_pruned_four_files_at_a_time(tmp_path: Path) -> None:
    now = 1_900_000_000.0
    old = _analysis(tmp_path, "monday", now - 3 * DAY_S)
    middle = _analysis(tmp_path, "tuesday", now - 2 * DAY_S)
    newest = _analysis(tmp_path, "wednesday", now - DAY_S)
    just_written = _analysis(tmp_path, "today", now - GRACE_S / 2)
    mine = tmp_path / "my notes.txt"
    mine.write_text("not an analysis")
    hidden = tmp_path / ".partial-1-ab"
    hidden.mkdir()

    deleted = prune_analyses(tmp_path, Retention(keep=2, max_age_days=90), now=now)
    # Newest two kept (one of them just written); the older two go, each with all four files.
    assert sorted(deleted) == sorted(old + middle)
    assert all(p.exists() for p in newest + just_written) and mine.exists() and hidden.is_dir()

    # Age: older than the limit goes, unless protected (the analysis just shown).
    deleted = prune_analyses(tmp_path, Retention(keep=0, max_age_days=0.5), protect=[newest[0]], now=now)
    assert deleted == [] and all(p.exists() for p in newest)
    assert sorted(prune_analyses(tmp_path, Retention(keep=0, max_age_days=0.5), now=now)) == sorted(newest)
    assert prune_analyses(tmp_path, Retention(keep=0, max_age_days=0), now=now) == []


def test_an_upload_folder_is_private_and_goes_with_its_session(tmp_path: Path) -> None:
    uploads = UploadFolder(tmp_path)
    folder = uploads.path
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert folder.name.startswith(f"stretch-coach-upload-{os.getpid()}-")
    (folder / "video.mp4").write_bytes(b"x")
    del uploads  # Streamlit drops a session's state when the session ends
    gc.collect()
    assert not folder.exists()


def test_upload_folders_of_a_process_that_died_are_deleted(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    dead = tmp_path / f"stretch-coach-upload-{finished.stdout.strip()}-abc"
    dead.mkdir()
    (dead / "video.mp4").write_bytes(b"x")
    mine = UploadFolder(tmp_path)
    stale_old_style = tmp_path / "stretch-coach-upload-x1y2z3"
    stale_old_style.mkdir()
    os.utime(stale_old_style, (0, 0))
    recent_old_style = tmp_path / "stretch-coach-upload-q9w8e7"
    recent_old_style.mkdir()

    removed = prune_upload_folders(tmp_path)
    assert sorted(removed) == sorted([dead, stale_old_style])
    assert mine.path.is_dir() and recent_old_style.is_dir()
    mine.remove()
    assert not mine.path.exists()
