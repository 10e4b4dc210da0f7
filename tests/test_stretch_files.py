"""Stretch and routine files: the seed files load, and every mistake is named precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.cli import main as coach_main
from coach.stretches import (
    DEFAULT_POSES_DIR,
    PoseFileError,
    fill_sides,
    load_library,
    load_routine,
    load_stretch,
    validate_folder,
)

DOWNWARD_DOG = DEFAULT_POSES_DIR / "downward_dog.toml"


def test_seed_library_loads_with_the_sciatica_routine() -> None:
    library = load_library()
    assert set(library.stretches) >= {"seated_piriformis_twist", "seated_figure_four", "downward_dog"}
    routine = library.routines["sciatica"]
    order = [(s.stretch_id, s.sides) for s in routine.steps]
    assert order == [
        ("seated_piriformis_twist", ("right", "left")),
        ("seated_figure_four", ("right", "left")),
        ("downward_dog", (None,)),
    ]
    assert all(step.hold_seconds == 30 for step in routine.steps)


def test_every_seed_check_has_a_cue_for_each_bound_and_a_reason() -> None:
    for stretch in load_library().stretches.values():
        assert stretch.instructions and stretch.view_advice and stretch.cautions
        for check in stretch.checks:
            assert check.why, f"{stretch.id}/{check.id} must justify its target"
            if check.target.min is not None:
                assert check.cue_low
            if check.target.max is not None:
                assert check.cue_high


def _write_variant(tmp_path: Path, old: str, new: str, name: str = "downward_dog.toml") -> Path:
    text = DOWNWARD_DOG.read_text()
    assert old in text, f"test setup: {old!r} not in the seed file"
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "target = { min = 150 }\nhysteresis = 5\ncue_low = \"Straighten your knees\"",
            "target = { min = 150, max = 140 }\nhysteresis = 5\ncue_low = \"Straighten your knees\"\ncue_high = \"x\"",
            "downward_dog.toml: check 4 'knees_straight': target.max must be > target.min",
        ),
        ('kind = "angle", points = ["near_hip"', 'kind = "angel", points = ["near_hip"',
         "check 4 'knees_straight': measure: 'kind' must be one of"),
        ('points = ["near_hip", "near_knee", "near_ankle"]', 'points = ["near_hip", "near_kneee", "near_ankle"]',
         "check 4 'knees_straight': measure: 'points': unknown point 'near_kneee'"),
        ('cue_low = "Straighten your knees"\n', "", "check 4 'knees_straight': missing field 'cue_low'"),
        ("target = { min = 150 }", "target = { min = 200 }",
         "check 4 'knees_straight': target.min = 200 is outside the possible range 0..180"),
        ("target = { min = 150 }", "target = { min = \"high\" }", "check 4 'knees_straight': target.min must be a number"),
        ("target = { min = 150 }", "target = { }", "check 4 'knees_straight': target needs min, max or both"),
        ("hysteresis = 5\ncue_low = \"Straighten your knees\"", "hysteresis = -1\ncue_low = \"Straighten your knees\"",
         "check 4 'knees_straight': 'hysteresis' must be >= 0"),
        ("priority = 4", "priority = 0", "check 4 'knees_straight': 'priority' must be >= 1"),
        ("priority = 4", "priority = 4\ncolour = \"red\"", "check 4 'knees_straight': unknown field 'colour'"),
        ('view = "side"', 'view = "top"', "'view' must be one of front, side, either"),
        ("hold_seconds = 30", "hold_seconds = 0", "'hold_seconds' must be > 0"),
        ("hold_seconds = 30\n", "", "missing field 'hold_seconds'"),
        ('id = "downward_dog"', 'id = "down_dog"', "'id' must match the file name"),
        ('points = ["near_hip", "near_knee", "near_ankle"]', 'points = ["working_hip", "near_knee", "near_ankle"]',
         "'working_hip' needs a working side, but the stretch has sides = false"),
        ('cue_low = "Straighten your knees"', 'cue_low = "Straighten your {working} knee"',
         "check 4 'knees_straight': 'cue_low': unknown placeholder {working}"),
        ('id = "arms_straight"', 'id = "knees_straight"', "check 5 'knees_straight': 'id' 'knees_straight' is used by two checks"),
        ("sides = false", "sides = maybe", "not valid TOML"),
    ],
)
def test_a_mistake_names_the_file_the_check_and_the_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _write_variant(tmp_path, old, new)
    with pytest.raises(PoseFileError) as caught:
        load_stretch(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_missing_and_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(PoseFileError, match="cannot be read"):
        load_stretch(tmp_path / "nope.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\x00\xff\xfe garbage")
    with pytest.raises(PoseFileError, match="binary.toml: not valid TOML"):
        load_stretch(binary)


def test_a_routine_naming_an_unknown_stretch_is_named(tmp_path: Path) -> None:
    stretches = load_library().stretches
    path = tmp_path / "bad.toml"
    path.write_text('id = "bad"\nname = "Bad"\n[[steps]]\nstretch = "cobra"\n')
    with pytest.raises(PoseFileError) as caught:
        load_routine(path, stretches)
    assert "bad.toml: step 1 'cobra': 'stretch' names an unknown stretch 'cobra'" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('id = "bad"\nname = "B"\n[[steps]]\nstretch = "downward_dog"\nsides = ["left"]\n',
         "step 1 'downward_dog': 'sides' given, but stretch 'downward_dog' has no sides"),
        ('id = "bad"\nname = "B"\n[[steps]]\nstretch = "seated_figure_four"\nsides = ["up"]\n',
         "step 1 'seated_figure_four': 'sides' must list 'left' and/or 'right'"),
        ('id = "bad"\nname = "B"\nsteps = []\n', "'steps' must be a non-empty list"),
        ('id = "bad"\nname = "B"\ncountdown_seconds = -2\n[[steps]]\nstretch = "downward_dog"\n',
         "'countdown_seconds' must be >= 0"),
        ('id = "bad"\nname = "B"\n[[steps]]\nstretch = "downward_dog"\nreps = 0\n', "step 1 'downward_dog': 'reps' must be >= 1"),
    ],
)
def test_routine_field_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(PoseFileError) as caught:
        load_routine(path, load_library().stretches)
    assert message in str(caught.value)


def test_check_poses_command_lists_every_error_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "poses"
    shutil.copytree(DEFAULT_POSES_DIR, folder)
    (folder / "downward_dog.toml").write_text(
        DOWNWARD_DOG.read_text().replace("target = { min = 150 }", "target = { min = 200 }", 1)
    )
    (folder / "broken.toml").write_text("id = 'broken'\n")
    assert coach_main(["check-poses", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "broken.toml: missing field" in err
    assert "downward_dog.toml: check 4 'knees_straight': target.min = 200" in err
    # The routine that uses the broken stretch is reported too, not silently dropped.
    assert "sciatica.toml: step 5 'downward_dog': 'stretch' names an unknown stretch" in err or \
        "sciatica.toml: step 3 'downward_dog': 'stretch' names an unknown stretch" in err


def test_check_poses_command_passes_on_the_seed_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert coach_main(["check-poses", str(DEFAULT_POSES_DIR)]) == 0
    assert "ok  routine sciatica" in capsys.readouterr().out


def test_side_placeholders_are_filled_for_display() -> None:
    stretch = load_library().stretches["seated_figure_four"]
    assert "right ankle just above your left knee" in fill_sides(stretch.instructions[1], "right")
    assert "left ankle just above your right knee" in fill_sides(stretch.instructions[1], "left")


def test_validate_folder_reports_a_missing_folder(tmp_path: Path) -> None:
    _, errors = validate_folder(tmp_path / "absent")
    assert errors and "is not a folder" in str(errors[0])
