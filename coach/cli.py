"""The `coach` command line."""

from __future__ import annotations

import argparse
import contextlib
import errno
import signal
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from coach.native_logs import native_logs_silenced
from coach.stretches import DEFAULT_POSES_DIR, validate_folder

#: `coach analyze --strict`: the analysis ran, but the video ended before its stated length.
EXIT_STRICT_WARNING = 3


def _check_poses(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    library, errors = validate_folder(directory)
    for error in errors:  # every problem of every file, one line each
        for line in error.lines():
            print(f"error: {line}", file=sys.stderr)
    for stretch in library.stretches.values():
        sides = "both sides" if stretch.has_sides else "no sides"
        start = f", start position '{stretch.start.name}' ({len(stretch.start.checks)} checks)" if stretch.start else ""
        print(f"ok  {stretch.id}: {stretch.name} ({len(stretch.checks)} checks, {stretch.view} view, {sides}{start})")
    for routine in library.routines.values():
        print(f"ok  routine {routine.id}: {len(routine.steps)} steps")
    if not errors and not library.stretches:
        print(f"error: {directory}: no stretch files (*.toml) found", file=sys.stderr)
        return 1
    return 1 if errors else 0


def describe_os_error(error: OSError, fallback: str | None = None) -> str:
    """One line naming the file or folder an operating-system error is about (``fallback``:
    the output folder, named when the error has no file name or names a hidden working file)."""
    where = error.filename if error.filename is not None else fallback
    if where is not None and fallback is not None and "/.partial-" in str(where):
        where = fallback  # a file of the run's hidden working folder: name the folder the person chose
    if error.errno == errno.ENOSPC:
        return f"no space left on device: {where}" if where else "no space left on device"
    reason = {
        errno.EACCES: "permission denied", errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system, cannot write here", errno.ENOTDIR: "not a folder",
        errno.EISDIR: "is a folder, not a file", errno.EDQUOT: "disk quota exceeded",
    }.get(error.errno or 0, error.strerror or str(error))
    if error.errno == errno.ENOTDIR and where:
        reason = "exists and is not a folder" if Path(where).exists() else "part of this path is a file, not a folder"
    return f"{where}: {reason}" if where else str(reason)


class _CtrlC:
    """Ctrl-C that cannot be lost: the handler raises KeyboardInterrupt as Python's own does,
    and also remembers it, so `check` (called once a frame) raises it again if it was raised
    where it got swallowed. A Python signal handler runs wherever the main thread happens to
    be (an exception raised inside a finaliser, for one, is printed and dropped): `coach
    analyze` interrupted at frame 10 of 258 was seen to run to the end and exit 0, in 3 of 5
    full test runs on 2026-12-06 and 0 of 40 runs of the command alone; where it was swallowed
    was not found."""

    def __init__(self) -> None:
        self.pressed = threading.Event()

    def __enter__(self) -> "_CtrlC":
        self._before = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self._before)

    def _handle(self, signum: int, frame: object) -> None:
        self.pressed.set()
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.pressed.is_set():
            raise KeyboardInterrupt


def _analyze(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from coach.analyze import analyze_video
    from coach.estimator import EstimatorOptions, ModelNotFoundError
    from coach.sources import VideoError
    from coach.stretches import PoseFileError, load_library

    bars: dict[str, tqdm] = {}
    ctrl_c = _CtrlC()

    def progress(stage: str, done: int, total: int) -> None:
        ctrl_c.check()
        if stage not in bars:
            for earlier in bars.values():
                earlier.close()
            label = "analysing" if stage == "render" else stage
            bars[stage] = tqdm(total=total, desc=label, unit="frame", leave=True, file=sys.stderr)
        bar = bars[stage]
        bar.total = max(bar.total or 0, done)
        bar.update(done - bar.n)

    def close_bars() -> None:  # before any message, so it is not drawn over
        for bar in bars.values():
            bar.close()

    try:
        with ctrl_c:
            library = load_library(args.poses)
            result = analyze_video(
                args.video,
                stretch_id=args.stretch,
                side=args.side,
                routine_id=args.routine,
                out_dir=args.out,
                library=library,
                estimator_options=EstimatorOptions(model=args.model),
                progress=progress,
            )
    except (VideoError, ValueError, PoseFileError, ModelNotFoundError) as error:
        close_bars()
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # writing the results: a file in the way, no permission, a full disk
        close_bars()
        print(f"error: {describe_os_error(error, fallback=args.out)}", file=sys.stderr)
        return 2
    finally:
        close_bars()
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"frames: {result.frames} ({result.frames_with_person} with a person)")
    if result.side:
        print(f"side: {result.side}")
    for hold in result.summary["holds"]:
        side = f" {hold['side']}" if hold["side"] else ""
        print(f"{hold['stretch']}{side}: held correctly {hold['held_s']:.1f} s of {hold['target_s']:.0f} s"
              f" (longest {hold['longest_hold_s']:.1f} s)")
    for note in result.notes:
        print(f"note: {note}")
    print(f"annotated video ({result.video_codec}): {result.outputs.video}")
    print(f"session log: {result.outputs.session_log}")
    print(f"summary: {result.outputs.summary}")
    print(f"measurements: {result.outputs.measurements_csv}")
    if args.strict and result.warnings:
        print("error: --strict: the video ended early (see the warning above); the results were written"
              " but cover only the start", file=sys.stderr)
        return EXIT_STRICT_WARNING
    return 0


# ---------------------------------------------------------------- the therapist side's store


def _store_errors(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Store commands: any refusal (bad log, unknown patient, bad plan, database) is one line, exit 2."""
    def wrapped(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return run(args)
        except ValueError as error:  # StoreError, SessionLogError, PoseFileError
            for line in str(error).splitlines() or [type(error).__name__]:
                print(f"error: {line}", file=sys.stderr)
            return 2
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            print(f"error: database: {reason}", file=sys.stderr)
            return 2
    return wrapped


def _database():  # type: ignore[no-untyped-def]
    from coach.store.database import open_database

    return open_database()


def _password(prompt: str) -> str:
    """A password from the terminal (asked twice) or one line of standard input; never from argv."""
    import getpass

    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("again: ") != first:
            raise ValueError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@_store_errors
def _import(args: argparse.Namespace) -> int:
    from coach.store.importer import import_log

    result = import_log(_database(), args.log, args.patient, create_patient=args.create_patient)
    verb = "imported as" if result.created else "already imported:"
    print(f"{args.log}: {verb} session {result.session_id} of patient {result.patient_id}")
    return 0


@_store_errors
def _db_rebuild(args: argparse.Namespace) -> int:
    from coach.settings import data_dir
    from coach.store.importer import rebuild

    result = rebuild(_database(), args.logs or data_dir())
    for problem in result.refused:
        print(f"warning: refused: {problem}", file=sys.stderr)
    for path in result.unowned:
        print(f"warning: {path}: no patient known for this log (import it with `coach import`)", file=sys.stderr)
    print(f"rebuilt {result.imported} sessions"
          + (f"; {result.missing} imported sessions have no log in the folder" if result.missing else ""))
    return 0


@_store_errors
def _report(args: argparse.Namespace) -> int:
    from coach.store.accounts import LOCAL_ADMIN
    from coach.store.reports import write_csv, write_pdf

    if not args.out and not args.csv:
        raise ValueError("give --out FILE.pdf, --csv FILE.csv or both")
    if args.start and args.end and args.end < args.start:
        raise ValueError(f"--to {args.end} is before --from {args.start}")
    db = _database()
    if args.csv:
        rows = write_csv(db, LOCAL_ADMIN, args.patient, args.csv, args.start, args.end)
        print(f"CSV: {args.csv} ({rows} rows)")
    if args.out:
        pages = write_pdf(db, LOCAL_ADMIN, args.patient, args.out, args.start, args.end)
        print(f"PDF report: {args.out} ({pages} pages)")
    return 0


@_store_errors
def _patient_add(args: argparse.Namespace) -> int:
    from coach.store.accounts import add_patient

    password = _password(f"password for {args.username}: ") if args.username else None
    patient = add_patient(_database(), args.name, args.username, password, email=args.email)
    print(f"patient {patient.id}: {patient.name}")
    return 0


@_store_errors
def _therapist_add(args: argparse.Namespace) -> int:
    from coach.store.accounts import add_therapist

    if args.sso_only and not args.email:
        raise ValueError("--sso-only needs --email (or link a subject later: coach account link-oidc)")
    password = None if args.sso_only else _password(f"password for {args.username}: ")
    therapist = add_therapist(_database(), args.username, password, email=args.email)
    print(f"therapist {therapist.id}: {therapist.username}")
    return 0


@_store_errors
def _link_oidc(args: argparse.Namespace) -> int:
    from coach.store.accounts import link_oidc

    account = link_oidc(_database(), therapist=args.therapist, patient=args.patient, email=args.email, sub=args.sub)
    print(f"{account} can now log in through the clinic's identity provider")
    return 0


@_store_errors
def _assign(args: argparse.Namespace) -> int:
    from coach.store.accounts import assign, find_therapist

    db = _database()
    therapist = find_therapist(db, args.therapist)
    assign(db, therapist.id, args.patient)
    print(f"therapist {therapist.username} now sees patient {args.patient}")
    return 0


@_store_errors
def _prescribe(args: argparse.Namespace) -> int:
    from coach.store.accounts import LOCAL_ADMIN
    from coach.store.prescriptions import save_prescription
    from coach.stretches import load_library

    path = Path(args.plan)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not valid TOML: the file is not UTF-8 text") from None
    stored = save_prescription(_database(), LOCAL_ADMIN, args.patient, text, load_library(args.poses), str(path))
    steps = len(stored.prescription.steps)
    print(f"plan {stored.id} is now patient {args.patient}'s plan ({steps} step{'' if steps == 1 else 's'})")
    return 0


def _day(text: str) -> date:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _add_store_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Commands of the therapist side; each uses STRETCH_COACH_DATABASE_URL (default: SQLite in the data folder)."""
    imp = sub.add_parser("import", help="import a session log for a patient (the same log twice is one session)")
    imp.add_argument("log", help="session log (*_session.jsonl, live_*.jsonl)")
    who = imp.add_mutually_exclusive_group(required=True)
    who.add_argument("--patient", type=int, help="the patient's id (see `coach patient add`)")
    who.add_argument("--create-patient", metavar="NAME", help="add a new patient with this name and import for them")
    imp.set_defaults(run=_import)

    db = sub.add_parser("db", help="the database").add_subparsers(dest="db_command", required=True)
    rebuild = db.add_parser("rebuild", help="drop the rows derived from logs and import every known log again")
    rebuild.add_argument("--logs", help="folder searched for *.jsonl logs (default: the data folder)")
    rebuild.set_defaults(run=_db_rebuild)

    report = sub.add_parser("report", help="a patient's sessions as a PDF report and/or CSV")
    report.add_argument("--patient", type=int, required=True)
    report.add_argument("--from", dest="start", type=_day, help="first day (YYYY-MM-DD, UTC)")
    report.add_argument("--to", dest="end", type=_day, help="last day (YYYY-MM-DD, UTC)")
    report.add_argument("--out", help="PDF file to write")
    report.add_argument("--csv", help="CSV file to write (one row per hold)")
    report.set_defaults(run=_report)

    patient = sub.add_parser("patient", help="patients").add_subparsers(dest="patient_command", required=True)
    add = patient.add_parser("add", help="add a patient")
    add.add_argument("name")
    add.add_argument("--username", help="a login for the patient (password read from the terminal or stdin)")
    add.add_argument("--email", help="single sign-on: the e-mail the clinic's identity provider reports")
    add.set_defaults(run=_patient_add)

    therapist = sub.add_parser("therapist", help="therapist accounts").add_subparsers(dest="therapist_command",
                                                                                       required=True)
    add = therapist.add_parser("add", help="add a therapist (password read from the terminal or stdin)")
    add.add_argument("username")
    add.add_argument("--email", help="single sign-on: the e-mail the clinic's identity provider reports")
    add.add_argument("--sso-only", action="store_true",
                     help="no password: this therapist logs in only through the identity provider")
    add.set_defaults(run=_therapist_add)

    account = sub.add_parser("account", help="accounts").add_subparsers(dest="account_command", required=True)
    link = account.add_parser("link-oidc", help="let the clinic's identity provider (single sign-on) log in "
                                                "as this account, by e-mail and/or subject")
    who = link.add_mutually_exclusive_group(required=True)
    who.add_argument("--therapist", metavar="USERNAME")
    who.add_argument("--patient", type=int, metavar="ID")
    link.add_argument("--email", help="the e-mail the identity provider reports (used only if it is verified)")
    link.add_argument("--sub", help="the identity provider's subject (its stable id for the person)")
    link.set_defaults(run=_link_oidc)

    assign = sub.add_parser("assign", help="let a therapist see a patient's data")
    assign.add_argument("--therapist", required=True, help="the therapist's username")
    assign.add_argument("--patient", type=int, required=True)
    assign.set_defaults(run=_assign)

    prescribe = sub.add_parser("prescribe", help="validate a plan file (TOML) and make it the patient's plan")
    prescribe.add_argument("plan", help="plan file (see docs/therapist.md)")
    prescribe.add_argument("--patient", type=int, required=True)
    prescribe.add_argument("--poses", default=str(DEFAULT_POSES_DIR), help="stretch definitions folder")
    prescribe.set_defaults(run=_prescribe)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach", description="Stretch Coach command line tools.",
        epilog="exit codes: 0 done, 1 check-poses found errors, 2 unusable input or output, "
               f"{EXIT_STRICT_WARNING} analyze --strict and the video ended early, 130 interrupted")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check-poses", help="validate the stretch and routine files of a folder")
    check.add_argument("directory", nargs="?", default=str(DEFAULT_POSES_DIR), help="folder (default: poses/)")
    check.set_defaults(run=_check_poses)

    analyze = sub.add_parser("analyze", help="judge a recorded video and write an annotated copy, log, summary, CSV")
    analyze.add_argument("video", help="video file (mp4, mov, webm, avi, ...)")
    target = analyze.add_mutually_exclusive_group(required=True)
    target.add_argument("--stretch", help="stretch id (see `coach check-poses`)")
    target.add_argument("--routine", help="routine id: follow the routine's order of stretches and sides")
    analyze.add_argument("--side", default="auto", choices=("auto", "left", "right"),
                         help="working side for two-sided stretches (default: decided from the video)")
    analyze.add_argument("--out", default="out", help="folder for the results (default: out/)")
    analyze.add_argument("--model", default=None, help="pose model: full (default), lite, or a .task file")
    analyze.add_argument("--poses", default=str(DEFAULT_POSES_DIR), help="stretch definitions folder")
    analyze.add_argument("--verbose", action="store_true",
                         help="also show the pose model's own log lines (MediaPipe, TensorFlow Lite)")
    analyze.add_argument("--strict", action="store_true",
                         help=f"exit {EXIT_STRICT_WARNING} (not 0) when the video ended early (truncated or damaged);"
                              " the results are still written")
    analyze.set_defaults(run=_analyze)
    _add_store_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit codes: 0 done, 1 `check-poses` found errors, 2 unusable input or output,
    3 `analyze --strict` and the video ended early, 130 interrupted."""
    args = build_parser().parse_args(argv)
    quiet = args.command == "analyze" and not args.verbose
    try:
        with native_logs_silenced() if quiet else contextlib.nullcontext():
            return int(args.run(args))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"error: {describe_os_error(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
