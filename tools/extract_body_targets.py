#!/usr/bin/env python3
"""Copy the macro morph targets the body types need out of the MakeHuman wheel's npz.

One-off, by hand (never at run time); the result is committed as
``assets/makehuman/body_targets.npz``:

    pip download makehuman==1.3.2 --no-deps -d /tmp/mh && unzip -o /tmp/mh/makehuman-1.3.2-*.whl \\
        'makehuman/data/targets.npz' -d /tmp/mh
    .venv/bin/python tools/extract_body_targets.py /tmp/mh/makehuman/data/targets.npz

Only the data is used (arrays copied unchanged); the wheel's code (AGPL) is not. The
wheel's ``targets/targets.license`` entry is a pickled object array, so it is
checked as raw bytes (never unpickled) for the CC0 licence statement.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np

from coachlab.rendered.assets import ASSET_DIR, read_targets
from coachlab.rendered.rig import BODY_TYPE_TABLE

PREFIX = "targets/macrodetails/"


def needed_targets() -> list[str]:
    names = {name for body in BODY_TYPE_TABLE.values() for name in body.target_weights()}
    return sorted(names - set(read_targets(ASSET_DIR / "targets.npz")))


DETAILS = {target.rsplit("/", 1)[1]: target for body in BODY_TYPE_TABLE.values() for target, _ in body.details}


def npz_key(name: str) -> str:
    if name in DETAILS:
        return "targets/" + DETAILS[name]
    if name.startswith(("universal-", "african-", "asian-", "caucasian-")):
        return PREFIX + name
    if name.endswith("height"):
        return PREFIX + "height/" + name
    if name.endswith("proportions"):
        return PREFIX + "proportions/" + name
    raise ValueError(f"no folder known for target {name!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel_npz", type=Path, help="makehuman/data/targets.npz from the makehuman 1.3.2 wheel")
    parser.add_argument("--out", type=Path, default=ASSET_DIR / "body_targets.npz")
    args = parser.parse_args()
    with zipfile.ZipFile(args.wheel_npz) as archive:
        licence = archive.read("targets/targets.license.npy")
    if b"licenseCC0" not in licence or b"MakeHuman Team" not in licence:
        print(f"{args.wheel_npz}: targets/targets.license does not state CC0 by the MakeHuman Team", file=sys.stderr)
        return 1
    out: dict[str, np.ndarray] = {}
    with np.load(args.wheel_npz) as data:
        for name in needed_targets():
            key = npz_key(name)
            if f"{key}.index" not in data.files:
                print(f"{args.wheel_npz}: no target {key}", file=sys.stderr)
                return 1
            out[f"{key}.index"] = data[f"{key}.index"]
            out[f"{key}.vector"] = data[f"{key}.vector"]
    np.savez_compressed(args.out, **out)
    print(f"{args.out}: {len(out) // 2} targets, {args.out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
