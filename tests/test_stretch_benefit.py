"""Each stretch's `benefit`: one plain sentence for the patient, checked like every file text,
shown on the Stretches page and with the Live page's instructions (not the checks' technical notes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach import settings
from coach.cli import main as coach_main
from coach.stretches import BENEFIT_TEXT, DEFAULT_POSES_DIR, load_library, load_stretch

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LIBRARY = load_library()
TECHNICAL = ("MediaPipe", "synthetic", "rendered", "landmark", "trunk length", "°", "0.")


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "coach-data"))


def page(url: str | None) -> str:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    if url:
        at._page_hash = next(h for h, i in at._registered_pages.items() if i.get("url_pathname") == url)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return "\n".join(str(m.value) for m in at.markdown).replace("\\", "")


def test_every_seed_stretch_says_why_in_one_plain_sentence() -> None:
    for stretch in LIBRARY.stretches.values():
        benefit = stretch.benefit
        assert benefit and len(benefit) <= BENEFIT_TEXT, stretch.id
        assert benefit.endswith(".") and benefit.count(". ") == 0, benefit  # one sentence
        assert not any(word in benefit for word in TECHNICAL), benefit
        assert all(benefit != check.why for check in stretch.checks)


def test_the_stretches_page_shows_each_benefit() -> None:
    text = page("stretches")
    for stretch in LIBRARY.stretches.values():
        assert f"Why do it: {stretch.benefit}" in text.replace("**", "")


def test_the_live_page_shows_the_first_stretchs_benefit_with_its_instructions() -> None:
    first = LIBRARY.stretches[LIBRARY.routines["sciatica"].steps[0].stretch_id]
    assert f"Why: {first.benefit}" in page(None).replace("*", "")


@pytest.mark.parametrize("benefit, error", [
    ("x" * (BENEFIT_TEXT + 1), f"must be at most {BENEFIT_TEXT} characters"),
    ("Eases <b>sciatica</b>.", "markup is not allowed"),
    ("Eases sciatica. ![x](http://example.com/a.png)", "markup is not allowed"),
    ("Stretches the {working} {leg}.", "unknown placeholder {leg}"),
])
def test_check_poses_refuses_a_bad_benefit_naming_the_file_and_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], benefit: str, error: str) -> None:
    folder = tmp_path / "poses"
    shutil.copytree(DEFAULT_POSES_DIR, folder)
    path = folder / "seated_figure_four.toml"
    old = f'benefit = "{LIBRARY.stretches["seated_figure_four"].benefit}"'
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, f"benefit = '{benefit}'"), encoding="utf-8")  # a TOML literal string
    assert coach_main(["check-poses", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "seated_figure_four.toml" in err and "benefit" in err and error in err, err


def test_benefit_is_optional(tmp_path: Path) -> None:
    path = tmp_path / "downward_dog.toml"
    lines = (DEFAULT_POSES_DIR / "downward_dog.toml").read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("benefit = ")), encoding="utf-8")
    assert load_stretch(path).benefit == ""
