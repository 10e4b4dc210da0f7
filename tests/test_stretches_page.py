"""The Stretches page lists stretches in the order a routine does them (the sciatica routine
first), then any stretch no routine uses, alphabetically."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach import settings
from coach.stretches import load_library

APP = str(Path(__file__).resolve().parents[1] / "app.py")
POSES = Path(__file__).resolve().parents[1] / "poses"


def stretches_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    # Pages are callables: select the registered page by its URL path, as a browser would.
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == "stretches")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "coach-data"))


def test_the_seed_stretches_are_listed_in_the_sciatica_routines_order() -> None:
    lib = load_library()
    order = [lib.stretches[step.stretch_id].name for step in lib.routines["sciatica"].steps]
    assert order != sorted(order)  # the routine's order is not the alphabet's
    assert [h.value for h in stretches_page().header] == order


def copy_of(stretch_id: str, new_id: str, name: str, folder: Path) -> None:
    text = (POSES / f"{stretch_id}.toml").read_text(encoding="utf-8")
    text = text.replace(f'id = "{stretch_id}"', f'id = "{new_id}"', 1)
    lib_name = load_library().stretches[stretch_id].name
    text = text.replace(f'name = "{lib_name}"', f'name = "{name}"', 1)
    (folder / f"{new_id}.toml").write_text(text, encoding="utf-8")


def test_routine_stretches_first_sciatica_leading_then_the_rest_alphabetically(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    poses = tmp_path / "poses"
    shutil.copytree(POSES, poses)
    copy_of("downward_dog", "puppy", "Puppy pose", poses)        # in a second routine
    copy_of("downward_dog", "zebra_dog", "Zebra dog", poses)     # in no routine
    copy_of("downward_dog", "any_dog", "Any dog", poses)         # in no routine
    # A second routine whose name sorts before the sciatica one: sciatica still leads.
    (poses / "routines" / "another.toml").write_text(
        'id = "another"\nname = "Another routine"\ndescription = "Two."\ncountdown_seconds = 5\n\n'
        '[[steps]]\nstretch = "puppy"\nhold_seconds = 30\n\n'
        '[[steps]]\nstretch = "seated_figure_four"\nsides = ["left"]\nhold_seconds = 30\n', encoding="utf-8")
    load_library(poses)  # the folder is valid
    monkeypatch.setenv(settings.POSES_DIR_ENV, str(poses))
    headers = [h.value for h in stretches_page().header]
    lib = load_library()
    sciatica = [lib.stretches[step.stretch_id].name for step in lib.routines["sciatica"].steps]
    assert headers == [*sciatica, "Puppy pose", "Any dog", "Zebra dog"]


def test_each_depth_target_is_marked_advice_only_and_no_gate_is() -> None:
    """A person reads which checks stop the hold timer: the shape of the stretch (gates) does,
    how deep they go (depth targets) never does, and the page says so for every check, in a
    short list; the limits and how they were measured are in a folded technical note."""
    at = stretches_page()
    intro = next(m.value for m in at.markdown if m.value.startswith("Every stretch the coach knows"))
    assert "never stops it" in intro and "every check is met" not in intro
    notes = [e for e in at.expander if e.label.startswith("How each check is measured")]
    library = load_library()
    assert len(notes) == len(library.stretches)
    note_text = "\n".join(m.value for e in notes for m in e.markdown)
    listed = [m.value for m in at.markdown if m.value not in {n.value for e in notes for n in e.markdown}]
    lines = [line for block in listed for line in block.splitlines() if line.startswith("- **")]
    for stretch in library.stretches.values():
        for check in stretch.checks:
            description = check.description.replace("{working}", "right").replace("{other}", "left")
            line = next(line for line in lines if line.startswith(f"- **{description}**"))
            assert ("advice only" in line) == (not check.gate), (stretch.id, check.id, line[:120])
            assert "target:" not in line and check.why not in line  # the list stays short
            assert check.why in note_text
