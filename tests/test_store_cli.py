"""The store's command line, as a clinic's script would use it, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from coach.cli import main

from store_db import db_url, pg_server  # noqa: F401  (fixtures)
from store_logs import make_log


@pytest.fixture
def coach(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run `coach ...` with STRETCH_COACH_DATABASE_URL set; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("STRETCH_COACH_DATABASE_URL", db_url)

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_import_report_and_accounts_from_the_command_line(coach, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = make_log(tmp_path / "live_1.jsonl", datetime(2026, 11, 20, 9), pain=(2, 4))
    assert coach("patient", "add", "Ann Example")[:2] == (0, "patient 1: Ann Example\n")
    assert coach("import", str(log), "--patient", "1")[:2] == (0, f"{log}: imported as session 1 of patient 1\n")
    assert coach("import", str(log), "--patient", "1")[:2] == (0, f"{log}: already imported: session 1 of patient 1\n")

    code, out, err = coach("therapist", "add", "dr_a", stdin="correct horse battery\n")
    assert (code, out, err) == (0, "therapist 1: dr_a\n", "")
    assert coach("assign", "--therapist", "dr_a", "--patient", "1")[0] == 0

    pdf, table = tmp_path / "ann.pdf", tmp_path / "ann.csv"
    code, out, err = coach("report", "--patient", "1", "--from", "2026-11-01", "--to", "2026-11-30",
                           "--out", str(pdf), "--csv", str(table))
    assert code == 0, err
    assert "seated_figure_four,right" in table.read_text() and "seated_figure_four,left" in table.read_text()
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Ann Example" in text and "2.0 / 2" in text

    code, out, err = coach("db", "rebuild", "--logs", str(tmp_path))
    assert (code, out) == (0, "rebuilt 1 sessions\n")


def test_store_commands_refuse_with_one_line_and_exit_2(coach, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = make_log(tmp_path / "live_1.jsonl", datetime(2026, 11, 20, 9))
    lines = log.read_bytes().splitlines(keepends=True)
    edited = tmp_path / "edited.jsonl"
    edited.write_bytes(b"".join(lines[:4] + [lines[4].replace(b'"correct":true', b'"correct":false', 1)] + lines[5:]))
    cases = [
        (("import", str(edited), "--create-patient", "Eve"), "edited.jsonl: line 5: checksum does not match"),
        (("import", str(log), "--patient", "7"), "error: no patient 7"),
        (("import", str(tmp_path / "missing.jsonl"), "--patient", "1"), "missing.jsonl: cannot be read"),
        (("report", "--patient", "1", "--out", str(tmp_path / "r.pdf")), "error: no patient 1"),
        (("report", "--patient", "1"), "error: give --out FILE.pdf, --csv FILE.csv or both"),
        (("therapist", "add", "dr_b"), "error: the password must have at least 8 characters"),
        (("assign", "--therapist", "nobody", "--patient", "1"), "error: no therapist 'nobody'"),
        (("db", "rebuild", "--logs", str(tmp_path / "nowhere")), "nowhere: is not a folder"),
    ]
    for argv, message in cases:
        code, out, err = coach(*argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (argv, err)
        assert "Traceback" not in err
    code, out, err = coach("patient", "add", "Ann")
    assert out == "patient 1: Ann\n"  # the refused --create-patient import added no patient "Eve"
    plan = tmp_path / "plan.toml"
    plan.write_text('[[steps]]\nstretch = "downward_dog"\nreps = "two"\n')
    code, out, err = coach("prescribe", str(plan), "--patient", "1")
    assert code == 2 and f"{plan}: step 1 'downward_dog': 'reps' must be a whole number" in err
    plan.write_text('[[steps]]\nstretch = "downward_dog"\nreps = 2\n')
    assert coach("prescribe", str(plan), "--patient", "1")[:2] == (0, "plan 1 is now patient 1's plan (1 step)\n")


def test_a_database_url_that_cannot_be_used_is_named(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    for url, message in (("mysql://db/x", "mysql is not supported"),
                         ("postgresql://nobody@127.0.0.1:1/x", "cannot open the database postgresql")):
        monkeypatch.setenv("STRETCH_COACH_DATABASE_URL", url)
        assert main(["patient", "add", "Ann"]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1
