"""The committed sample clips: they play, their ground truth is valid and current, and
the coach, end to end on the rendered video, counts what the truth says.

The clips are rendered people (MakeHuman bodies, Blender Cycles) whose every joint is
known. The first five are the two original bodies doing the seed poses; the ``varied_``
clips are other body types doing each stretch their own way (how far the twist, the
foot, the knee), from the start position, seen from another camera, with a mistake that
stops the hold (a gate) or one that does not (a depth target). The hold's truth is the
script's intent while a pose is held and the engine's verdict on the exact joints while
moving (`coachlab.rendered.truth`). `make samples` rebuilds them; `make accuracy`
measures MediaPipe on them in detail.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import av
import pytest

from coach.analyze import analyze_video
from coachlab.rendered.clips import same_pose
from coachlab.rendered.truth import SCHEMA, clip_truth, validate_truth
from coach.session_log import load_session_log
from coach.stretches import load_library

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_videos"
CLIPS = (
    "downward_dog",
    "seated_figure_four_left",
    "seated_figure_four_right",
    "seated_piriformis_twist_left",
    "seated_piriformis_twist_right",
)
VARIED_CLIPS = (
    "varied_dog_heavy_older_man",
    "varied_dog_long_legged_woman",
    "varied_dog_small_young_man",
    "varied_figure_four_long_legged_woman_left",
    "varied_figure_four_muscular_man_left",
    "varied_figure_four_short_heavy_older_woman_right",
    "varied_twist_heavy_older_man_left",
    "varied_twist_small_young_man_right",
    "varied_twist_tall_thin_woman_right",
)
#: Clips the coach is known to get wrong, kept so a fix shows up: a strict xfail fails as soon
#: as the clip passes. None since 2026-12-06 (the slumped twist clip is caught by the check
#: against the start position, `as_tall_as_at_the_start`).
KNOWN_WRONG: dict[str, str] = {}
#: Clips whose mistake stops the hold, as it should, but with another gate's cue: the cue the
#: coach gives instead, and why. Pinned, so a fix shows up here.
KNOWN_WRONG_CUE = {
    "varied_figure_four_short_heavy_older_woman_right": (
        "Sit on the chair with your right ankle just above your left knee",
        "with the right ankle resting on the left shin MediaPipe draws the left knee down at the ankle "
        "(seated reads -1.1 to -1.2, a standing reading), so the seated gate's cue comes first; since "
        "2026-12-07 it names the ankle too"),
}
ALL_CLIPS = CLIPS + VARIED_CLIPS
#: Largest allowed difference between the hold seconds counted on the video and the truth.
HELD_TOLERANCE_S = 1.5


def load_truth(clip: str) -> dict:
    return json.loads((SAMPLE_DIR / f"{clip}.truth.json").read_text())


def test_every_seed_stretch_and_side_has_a_clip() -> None:
    found = {p.name.removesuffix(".truth.json") for p in SAMPLE_DIR.glob("*.truth.json")}
    assert found == set(ALL_CLIPS)
    assert set(ALL_CLIPS) <= {p.stem for p in SAMPLE_DIR.glob("*.mp4")}
    total = sum(p.stat().st_size for p in SAMPLE_DIR.iterdir() if p.is_file())
    assert total < 15e6, f"sample_videos/ holds {total / 1e6:.1f} MB"
    readme = (SAMPLE_DIR / "README.md").read_text()
    assert all(f"{clip}.mp4" in readme for clip in ALL_CLIPS)


def test_varied_clips_vary_body_side_camera_and_mistake() -> None:
    """Each stretch is done by three other body types (not the two of the first clips),
    on both sides for the chair stretches, from three camera heights, with at least one
    mistake that stops the hold and starting from the start position."""
    truths = [load_truth(clip) for clip in VARIED_CLIPS]
    for stretch in ("seated_piriformis_twist", "seated_figure_four", "downward_dog"):
        mine = [t for t in truths if t["stretch_id"] == stretch]
        assert len({t["body_shape"] for t in mine}) == 3
        assert not {t["body_shape"] for t in mine} & {"female", "male"}
        assert len({round(t["camera"]["position"][1], 1) for t in mine}) == 3
        if stretch != "downward_dog":
            assert {t["side"] for t in mine} == {"left", "right"}
        mistakes_stop = [not any(f["intended"] for f in t["frames"] if f["phase"] == "mistake") for t in mine]
        assert any(mistakes_stop), f"{stretch}: no mistake that stops the hold"
        assert all(t["phases"][0]["name"] == "start" for t in mine)


@pytest.mark.parametrize("clip", ALL_CLIPS)
def test_clip_decodes_and_matches_its_truth(clip: str) -> None:
    truth = load_truth(clip)
    assert truth["schema"] == SCHEMA and truth["clip"] == clip and truth["video"] == f"{clip}.mp4"
    assert validate_truth(truth) == []
    with av.open(str(SAMPLE_DIR / truth["video"])) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert [stream.codec_context.width, stream.codec_context.height] == truth["image_size"]
        assert float(stream.average_rate) == pytest.approx(truth["fps"])
        frames = sum(1 for _ in container.decode(stream))
    assert frames == truth["frame_count"]
    assert 15.0 <= frames / truth["fps"] <= 36.0


@pytest.mark.parametrize("clip", ALL_CLIPS)
def test_truth_is_current(clip: str) -> None:
    """The committed truth is what the clip script and today's stretch files give.

    If this fails after a change to `poses/*.toml` or the engine, re-run
    `.venv/bin/python tools/render_samples.py truth` (no pictures needed) and review the new truth.
    """
    committed = load_truth(clip)
    fresh = json.loads(json.dumps(clip_truth(clip)))
    # equal within the pose solvers' machine-to-machine noise (their 4th decimal differs between CPUs)
    assert len(fresh["render_poses"]) == len(committed["render_poses"]), "the clip script changed: run `make samples`"
    changed = [i for i, (a, b) in enumerate(zip(fresh["render_poses"], committed["render_poses"]))
               if not same_pose(a, b)]
    assert changed == [], "the clip script changed: run `make samples`"
    assert fresh["summary"] == committed["summary"]
    assert fresh["mistake"] == committed["mistake"]
    for a, b in zip(fresh["frames"], committed["frames"]):
        assert (a["correct"], a["cue"]) == (b["correct"], b["cue"]), a["i"]
        assert {k: v["status"] for k, v in a["checks"].items()} == {k: v["status"] for k, v in b["checks"].items()}


def test_a_pose_solved_on_another_machine_is_the_same_pose() -> None:
    """The check above must not fail on a CPU whose solver rounds the 4th decimal the other
    way, and must still catch a clip whose poses really changed."""
    pose = load_truth(ALL_CLIPS[0])["render_poses"][0]
    angle = next(k for k in sorted(pose) if k != "pelvis_position")
    assert same_pose(pose, {**pose, angle: pose[angle] + 2e-4})
    assert same_pose(pose, {**pose, "pelvis_position": [v + 1e-5 for v in pose["pelvis_position"]]})
    assert not same_pose(pose, {**pose, angle: pose[angle] + 0.5})
    assert not same_pose(pose, {**pose, "pelvis_position": [v + 0.01 for v in pose["pelvis_position"]]})
    assert not same_pose(pose, {k: v for k, v in pose.items() if k != angle})


@pytest.mark.parametrize("clip", [pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_WRONG[c], strict=True))
                                  if c in KNOWN_WRONG else c for c in ALL_CLIPS])
def test_coach_counts_the_true_hold_and_gives_the_mistake_cue(clip: str, tmp_path: Path) -> None:
    """End to end: MediaPipe + smoothing + checks + hold timer on the rendered video. The
    counted hold is compared with the intended one (what the person held correctly), not
    with the engine's verdict on the exact joints, so a check that misjudges a way of
    doing the stretch fails here too."""
    truth = load_truth(clip)
    result = analyze_video(SAMPLE_DIR / truth["video"], stretch_id=truth["stretch_id"],
                           side=truth["side"] or "auto", out_dir=tmp_path)
    # the person is found in (nearly) every frame: a lost frame or two in a 30 s clip is not a failure
    assert result.frames == truth["frame_count"] and result.frames_with_person >= 0.98 * truth["frame_count"]
    held = result.summary["holds"][0]["held_s"]
    assert abs(held - truth["summary"]["intended_s"]) <= HELD_TOLERANCE_S, (
        f"{clip}: counted {held} s, held correctly {truth['summary']['intended_s']} s"
    )
    mistake = truth["mistake"]
    log = load_session_log(result.outputs.session_log)
    window = [f for f in log.frames if mistake["judged_from_s"] <= f["t"] < mistake["end_s"]]
    assert window
    cues = Counter(f["cue"] for f in window)
    expected_cue, why_not = KNOWN_WRONG_CUE.get(clip, (mistake["cue"], ""))
    assert cues.most_common(1)[0][0] == expected_cue, f"{clip}: cues during the mistake {dict(cues)} {why_not}"
    stretch = load_library().stretches[truth["stretch_id"]]
    if next(c for c in stretch.checks if c.id == mistake["check"]).gate:
        assert not any(f["correct"] for f in window), f"{clip}: the mistake was counted as correct"
    else:
        # A depth target not reached (how far, not the shape): the hold goes on counting.
        counted = sum(f["correct"] for f in window) / len(window)
        assert counted >= 0.9, f"{clip}: only {counted:.0%} of the shallow pose counted"
        assert not any(f["depth_met"] for f in window), f"{clip}: the depth target was judged reached"
