"""Stretch and routine files: the seed files load, and every mistake is named precisely."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
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
            "target = { min = 150 }\nhysteresis = 5\ncue_low = \"Straighten your knees a little more if you can\"",
            "target = { min = 150, max = 140 }\nhysteresis = 5\ncue_low = \"Straighten your knees a little more if you can\"\ncue_high = \"x\"",
            "downward_dog.toml: check 4 'knees_straight': target.max must be > target.min",
        ),
        ('kind = "angle", points = ["near_hip"', 'kind = "angel", points = ["near_hip"',
         "check 4 'knees_straight': measure: 'kind' must be one of"),
        ('points = ["near_hip", "near_knee", "near_ankle"]', 'points = ["near_hip", "near_kneee", "near_ankle"]',
         "check 4 'knees_straight': measure: 'points': unknown point 'near_kneee'"),
        ('cue_low = "Straighten your knees a little more if you can"\n', "", "check 4 'knees_straight': missing field 'cue_low'"),
        ("target = { min = 150 }", "target = { min = 200 }",
         "check 4 'knees_straight': target.min = 200 is outside the possible range 0..180"),
        ("target = { min = 150 }", "target = { min = \"high\" }", "check 4 'knees_straight': target.min must be a number"),
        ("target = { min = 150 }", "target = { }", "check 4 'knees_straight': target needs min, max or both"),
        ("hysteresis = 5\ncue_low = \"Straighten your knees a little more if you can\"", "hysteresis = -1\ncue_low = \"Straighten your knees a little more if you can\"",
         "check 4 'knees_straight': 'hysteresis' must be >= 0"),
        ("priority = 4", "priority = 0", "check 4 'knees_straight': 'priority' must be >= 1"),
        ("priority = 4", "priority = 4\ncolour = \"red\"", "check 4 'knees_straight': unknown field 'colour'"),
        ('view = "side"', 'view = "top"', "'view' must be one of front, side, either"),
        ("hold_seconds = 30", "hold_seconds = 0", "'hold_seconds' must be > 0"),
        ("hold_seconds = 30\n", "", "missing field 'hold_seconds'"),
        ('id = "downward_dog"', 'id = "down_dog"', "'id' must match the file name"),
        ('points = ["near_hip", "near_knee", "near_ankle"]', 'points = ["working_hip", "near_knee", "near_ankle"]',
         "'working_hip' needs a working side, but the stretch has sides = false"),
        ('cue_low = "Straighten your knees a little more if you can"', 'cue_low = "Straighten your {working} knee"',
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


# ------------------------------------------------------ bounds on what a file holds

FIGURE_FOUR = DEFAULT_POSES_DIR / "seated_figure_four.toml"
SCIATICA = DEFAULT_POSES_DIR / "routines" / "sciatica.toml"


def _variant_of(source: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert old in text, f"test setup: {old!r} not in {source.name}"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    return path


CUE = "cue_high = \"Keep your {other} foot on the floor\""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # numbers: finite, in range, never an OverflowError
        ("hold_seconds = 30", "hold_seconds = 1" + "0" * 400, "'hold_seconds' is too large a number"),
        ("hold_seconds = 30", "hold_seconds = 1" + "0" * 5000, "not valid TOML: a number has too many digits"),
        ("hold_seconds = 30", "hold_seconds = nan", "'hold_seconds' must be a finite number"),
        ("hold_seconds = 30", "hold_seconds = inf", "'hold_seconds' must be a finite number"),
        ("hold_seconds = 30", "hold_seconds = 601", "'hold_seconds' must be <= 600, got 601"),
        ("rest_seconds = 10", "rest_seconds = 6000", "'rest_seconds' must be <= 600, got 6000"),
        ("min_person_height_px = 145", "min_person_height_px = 5", "'min_person_height_px' must be >= 16, got 5"),
        ("min_person_height_px = 145", "min_person_height_px = nan", "'min_person_height_px' must be a finite number"),
        ("reps = 1", "reps = 1000000000", "'reps' must be <= 20, got 1000000000"),
        ("reps = 1", "reps = " + "9" * 400, "'reps' must be <= 20, got a very large number"),
        ("target = { min = 0.28 }", "target = { min = 1e308 }", "check 1 'facing_camera': target.min = 1e+308 is outside"),
        ("hysteresis = 0.06", "hysteresis = 1000", "check 1 'facing_camera': 'hysteresis' = 1000 is more than the whole range"),
        ("priority = 1", "priority = 1000", "check 1 'facing_camera': 'priority' must be <= 100"),
        # nesting
        ("reps = 1", "reps = " + "[" * 1000 + "]" * 1000, "nested too deeply"),
        ("reps = 1", "reps = " + "[" * 20 + "]" * 20, "nested too deeply"),
        # counts and lengths
        ("instructions = [", "instructions = [" + '"step", ' * 25, "'instructions' must have at most 20 items"),
        (CUE, 'cue_high = "' + "x" * 501 + '"', "check 2 'seated': 'cue_high' must be at most 500 characters"),
        ('why = "Side-on', 'why = "' + "x" * 2001 + ' Side-on', "check 1 'facing_camera': 'why' must be at most 2000 characters"),
        # format placeholders: only {working} and {other}, with no format spec or conversion
        (CUE, 'cue_high = "Keep your {working:^400000000} foot"', "check 2 'seated': 'cue_high': placeholder {working} may not have a format spec"),
        (CUE, 'cue_high = "Keep your {working:d} foot"', "check 2 'seated': 'cue_high': placeholder {working} may not have a format spec"),
        (CUE, 'cue_high = "Keep your {other!r} foot"', "check 2 'seated': 'cue_high': placeholder {other} may not have a format spec or conversion"),
        (CUE, 'cue_high = "Keep your {other.__class__} foot"', "check 2 'seated': 'cue_high': unknown placeholder {other.__class__}"),
        (CUE, 'cue_high = "Keep your {0} foot"', "check 2 'seated': 'cue_high': unknown placeholder {0}"),
        # control characters and markup
        (CUE, 'cue_high = "Keep\\u0007 your foot"', "check 2 'seated': 'cue_high': contains a control character '\\x07'"),
        (CUE, 'cue_high = "Keep\\nyour foot"', "check 2 'seated': 'cue_high': contains a control character '\\n'"),
        (CUE, 'cue_high = "Keep\\u202e your foot"', "check 2 'seated': 'cue_high': contains a control character"),
        (CUE, 'cue_high = "</script><script>alert(1)</script>"', "check 2 'seated': 'cue_high': contains '<': markup is not allowed"),
        ('name = "', 'name = "<iframe srcdoc=x> ', "'name': contains '<': markup is not allowed"),
        ('summary = "', 'summary = "a > b ', "'summary': contains '>': markup is not allowed"),
        ('why = "Side-on', 'why = "![t](http://127.0.0.1:9/x) Side-on', "check 1 'facing_camera': 'why': contains '![': markup"),
        ('why = "Side-on', 'why = "[t](http://127.0.0.1:9/x) Side-on', "check 1 'facing_camera': 'why': contains '](': markup"),
        ('instructions = [', 'instructions = ["a\\tb", ', "'instructions' item 1: contains a control character '\\t'"),
        ("check_yourself = [", 'check_yourself = ["See <img src=x onerror=alert(1)>", ',
         "'check_yourself' item 1: contains '<': markup is not allowed"),
        ("check_yourself = [", 'check_yourself = ["Your {left} ankle", ', "'check_yourself' item 1: unknown placeholder {left}"),
        ("check_yourself = [", "check_yourself = [" + '"x", ' * 25, "'check_yourself' must have at most 20 items"),
        ('id = "facing_camera"', 'id = "facing camera"', "check 1: 'id' must be 1-64 letters, digits, '_' or '-'"),
    ],
)
def test_every_bound_is_an_error_naming_the_file_and_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _variant_of(FIGURE_FOUR, tmp_path, old, new)
    with pytest.raises(PoseFileError) as caught:
        load_stretch(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_a_file_over_256_kb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(f'id = "big"\nsource = "{"x" * 300_000}"\n')
    with pytest.raises(PoseFileError, match=r"big.toml: is too large \(300\d+ bytes; at most 262144\)"):
        load_stretch(path)


def test_a_fifo_named_toml_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_stretch(fifo)
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=10)  # would block forever if the FIFO were opened for reading
    assert not worker.is_alive(), "loading a FIFO hung"
    assert isinstance(outcome[0], PoseFileError)
    assert str(outcome[0]) == f"{fifo}: is not a regular file"


def test_a_folder_named_toml_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "folder.toml").mkdir()
    with pytest.raises(PoseFileError, match="folder.toml: is not a regular file"):
        load_stretch(tmp_path / "folder.toml")


def test_every_problem_of_a_file_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = _variant_of(FIGURE_FOUR, tmp_path, "hold_seconds = 30", "hold_seconds = 0\nreps = 99")
    path.write_text(path.read_text().replace("reps = 1\n", "", 1).replace("priority = 1", "priority = 0", 1))
    with pytest.raises(PoseFileError) as caught:
        load_stretch(path)
    lines = str(caught.value).splitlines()
    assert lines == caught.value.lines()
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert any("'hold_seconds' must be > 0" in line for line in lines)
    assert any("'reps' must be <= 20, got 99" in line for line in lines)
    assert any("check 1 'facing_camera': 'priority' must be >= 1" in line for line in lines)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[steps]]\nstretch = "downward_dog"\nreps = 1000000000\n', "step 1 'downward_dog': 'reps' must be <= 20"),
        ('[[steps]]\nstretch = "downward_dog"\nhold_seconds = 1e999\n', "step 1 'downward_dog': 'hold_seconds' must be a finite number"),
        ('countdown_seconds = 601\n[[steps]]\nstretch = "downward_dog"\n', "'countdown_seconds' must be <= 600"),
        ("steps = [" + ", ".join(['{stretch = "downward_dog"}'] * 51) + "]\n", "'steps' must have at most 50 items, got 51"),
        ('description = "Do {working:d}"\n[[steps]]\nstretch = "downward_dog"\n', "'description': unknown placeholder {working} (routine texts take none)"),
        ('description = "<img src=x>"\n[[steps]]\nstretch = "downward_dog"\n', "'description': contains '<': markup is not allowed"),
    ],
)
def test_routine_bounds(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('id = "bad"\nname = "B"\n' + body)
    with pytest.raises(PoseFileError) as caught:
        load_routine(path, load_library().stretches)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def _folder_with_bad_files(tmp_path: Path) -> Path:
    folder = tmp_path / "poses"
    shutil.copytree(DEFAULT_POSES_DIR, folder)
    os.mkfifo(folder / "a_pipe.toml")
    (folder / "b_deep.toml").write_text("id = " + "[" * 1000 + "]" * 1000 + "\n")
    (folder / "c_huge.toml").write_text(DOWNWARD_DOG.read_text().replace("hold_seconds = 30", "hold_seconds = 1" + "0" * 400))
    (folder / "routines" / "z_long.toml").write_text('id = "z_long"\nname = "Z"\n[[steps]]\nstretch = "downward_dog"\nreps = 100\n')
    return folder


def test_one_bad_file_never_hides_the_other_files_errors(tmp_path: Path) -> None:
    library, errors = validate_folder(_folder_with_bad_files(tmp_path))
    messages = [str(error) for error in errors]
    assert [Path(error.path).name for error in errors] == ["a_pipe.toml", "b_deep.toml", "c_huge.toml", "z_long.toml"]
    assert "is not a regular file" in messages[0]
    assert "nested too deeply" in messages[1]
    assert "'id' must match the file name ('c_huge')" in messages[2] and "'hold_seconds' is too large" in messages[2]
    assert "step 1 'downward_dog': 'reps' must be <= 20, got 100" in messages[3]
    assert set(library.stretches) == {"downward_dog", "seated_figure_four", "seated_piriformis_twist"}
    assert set(library.routines) == {"sciatica"}


def test_a_loader_failure_of_any_kind_still_names_its_file_and_spares_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fault injection: a bug in the loader (an exception it does not expect) on one file.
    from coach import stretches

    real_read = stretches._read_toml

    def faulty_read(path: Path) -> dict[str, object]:
        if path.name == "seated_figure_four.toml":
            raise RuntimeError("disk on fire")
        return real_read(path)

    monkeypatch.setattr(stretches, "_read_toml", faulty_read)
    library, errors = validate_folder(DEFAULT_POSES_DIR)
    assert str(errors[0]) == (
        f"{DEFAULT_POSES_DIR / 'seated_figure_four.toml'}: could not be checked (RuntimeError: disk on fire)"
    )
    assert set(library.stretches) == {"downward_dog", "seated_piriformis_twist"}


def test_check_poses_prints_every_problem_of_every_file(tmp_path: Path) -> None:
    folder = _folder_with_bad_files(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "coach.cli", "check-poses", str(folder)],
        capture_output=True, text=True, timeout=60, check=False, cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert all(line.startswith(f"error: {folder}") for line in errors), result.stderr
    assert f"error: {folder / 'a_pipe.toml'}: is not a regular file" in errors
    assert any("b_deep.toml: nested too deeply" in line for line in errors)
    assert any("c_huge.toml: 'id' must match the file name" in line for line in errors)
    assert any("c_huge.toml: 'hold_seconds' is too large a number" in line for line in errors)
    assert any("z_long.toml: step 1 'downward_dog': 'reps' must be <= 20" in line for line in errors)
    assert "Traceback" not in result.stderr
    assert "ok  downward_dog" in result.stdout and "ok  routine sciatica" in result.stdout
