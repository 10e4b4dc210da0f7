"""The `coach` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach.stretches import DEFAULT_POSES_DIR, validate_folder


def _check_poses(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    library, errors = validate_folder(directory)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    for stretch in library.stretches.values():
        sides = "both sides" if stretch.has_sides else "no sides"
        print(f"ok  {stretch.id}: {stretch.name} ({len(stretch.checks)} checks, {stretch.view} view, {sides})")
    for routine in library.routines.values():
        print(f"ok  routine {routine.id}: {len(routine.steps)} steps")
    if not errors and not library.stretches:
        print(f"error: {directory}: no stretch files (*.toml) found", file=sys.stderr)
        return 1
    return 1 if errors else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="Stretch Coach command line tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check-poses", help="validate the stretch and routine files of a folder")
    check.add_argument("directory", nargs="?", default=str(DEFAULT_POSES_DIR), help="folder (default: poses/)")
    check.set_defaults(run=_check_poses)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
