"""Real footage: people walking outdoors, sometimes two in frame (BSD-3-Clause clip).

Nobody in it does a downward dog, so nothing may be praised or counted, and the
second person must be reported.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from coach.analyze import analyze_video
from coach.session_log import load_session_log
from coach.stretches import load_library

CLIP = Path(__file__).resolve().parent.parent / "sample_videos" / "people_walking.mp4"


def test_walking_people_are_never_judged_in_a_downward_dog(tmp_path: Path) -> None:
    result = analyze_video(CLIP, stretch_id="downward_dog", out_dir=tmp_path)
    log = load_session_log(result.outputs.session_log)
    assert result.frames == 230 and result.frames_with_person > 200
    assert not any(frame["correct"] for frame in log.frames)
    assert result.summary["holds"][0]["held_s"] == 0.0
    people = Counter(frame["people"] for frame in log.frames)
    assert people[2] >= 10, f"the second person must be noticed: {people}"
    # The clip (7.7 s) is shorter than the wait for the start position (hands and knees, which
    # nobody here takes), so all of it asks for that, counting nothing; the dog's own cues
    # ("Push your hips up and back") would come with the hold after it.
    start_checks = load_library().stretches["downward_dog"].start.checks  # type: ignore[union-attr]
    start_cues = {check.cue_low for check in start_checks} | {check.cue_high for check in start_checks}
    assert all(frame["phase"] == "start" for frame in log.frames)
    cues = Counter(frame["cue"] for frame in log.frames)
    assert cues.most_common(1)[0][0] in start_cues, cues
