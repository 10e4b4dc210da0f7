"""The installed app is ``coach`` alone: the developer-side ``coachlab`` never ships or gets imported by it.

``coachlab`` (synthetic body, rendered body, accuracy tooling) sits beside ``coach`` in
the repository for tests and tools. A runtime import of it would work here and break
every ``pip install``-ed copy, so it is checked without building a wheel.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]

# Imports every module of the runtime package (as the app and CLI would) and reports
# which modules got loaded. Run from the repo root, so `coachlab` *is* importable:
# an import of it would succeed and show up, not hide behind an ImportError.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
import coach
names = sorted(m.name for m in pkgutil.walk_packages(coach.__path__, "coach."))
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def test_packages_found_for_the_wheel_are_coach_and_its_subpackages_only() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = find_packages(where=str(ROOT), include=include)
    assert "coach" in packages and "coach.ui" in packages
    assert all(p == "coach" or p.startswith("coach.") for p in packages), packages


def test_no_runtime_module_names_coachlab_in_an_import() -> None:
    # Static, so imports inside functions (lazy imports) are caught too.
    offenders = []
    for path in sorted((ROOT / "coach").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno}: {m}"
                          for m in modules if m.split(".")[0] == "coachlab"]
    assert offenders == []


def test_importing_every_runtime_module_loads_no_coachlab_module() -> None:
    result = subprocess.run([sys.executable, "-c", _IMPORT_ALL], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"coach.cli", "coach.estimator", "coach.ui"} <= set(report["imported"])
    assert [m for m in report["loaded"] if m.split(".")[0] == "coachlab"] == []
