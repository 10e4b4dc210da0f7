"""The set-up step as the person meets it: the live panel in large type and the voice, once.

The snapshots come from a real routine runner fed with the synthetic body (chair hold
front-on, then the downward dog seen from the front until the person turns side-on).
"""

from __future__ import annotations

import numpy as np
from test_routine_setup import FPS, LIBRARY, Person, chair_then_floor

from coach.live import LiveSnapshot
from coach.routine import Phase, RoutineRunner, RoutineStatus
from coach.ui.panel_html import BIG, now_box_html
from coach.ui.speech import SpeechPlanner


def snapshot(status: RoutineStatus, frames: int) -> LiveSnapshot:
    """The fields `coach.live.snapshot.snapshot_of` takes from a routine status."""
    slot, update = status.slot, status.update
    return LiveSnapshot(
        frames=frames, phase=status.phase.value, slot_index=status.slot_index, slot_count=status.slot_count,
        slot_label=slot.label if slot else "", stretch_id=slot.stretch.id if slot else None,
        side=slot.side if slot else None, instruction=status.instruction,
        phase_remaining_s=status.phase_remaining_s,
        hold_state=update.hold.state.value if update else None, held_s=update.hold.held_s if update else 0.0,
        target_s=update.hold.target_s if update else 0.0, correct=update.verdict.correct if update else None,
        cue=update.cue if update else None, done=status.phase is Phase.DONE,
        person_visible=True, people_in_view=1)


def snapshots(front_for: float) -> list[tuple[float, LiveSnapshot]]:
    runner = RoutineRunner(chair_then_floor(), LIBRARY.stretches)
    person = Person(lambda since: "front" if since < front_for else "side_left")
    out = []
    for frame, t in enumerate(np.arange(0.0, 60.0, 1.0 / FPS), start=1):
        status = runner.update(person(float(t), runner.slot), float(t))
        out.append((float(t), snapshot(status, frame)))
        if status.phase is Phase.DONE:
            break
    return out


def test_the_panel_shows_the_setup_step_in_large_type() -> None:
    setup = next(s for _, s in snapshots(front_for=5.0) if s.phase == "setup")
    box = now_box_html(setup)
    assert "Hold 2 of 2: Downward dog" in box
    assert f"font-size:{BIG}" in box.split("Set up for Downward dog")[0]  # what to do: the big box
    assert "Set up for Downward dog: move the laptop so it sees you side-on</div>" in box
    assert "data-kind='setup'" in box and "The countdown starts when the camera sees you side-on." in box
    assert "Turn side-on to the camera" in box  # the view check's own cue, while front-on
    assert "data-kind='timer'" not in box  # no hold timer: no time counts in set-up


def test_the_voice_says_the_setup_once_then_get_ready_when_side_on() -> None:
    planner = SpeechPlanner()
    said = []
    for t, snap in snapshots(front_for=30.0):  # 30 s front-on: long enough to repeat anything repeatable
        text = planner.update(snap, t)
        if text:
            said.append((t, snap.phase, text))
    setup_lines = [text for _, _, text in said if text.startswith("Set up for Downward dog")]
    assert setup_lines == [("Set up for Downward dog: move the laptop so it sees you side-on. "
                            "The countdown starts when the camera sees you side-on.")]
    during_setup = [text for _, phase, text in said if phase == "setup"]
    assert during_setup == setup_lines  # nothing else while the person moves the laptop
    texts = [text for _, _, text in said]
    assert "Get ready: Downward dog" in texts  # once the camera sees the person side-on
    assert texts.index("Get ready: Downward dog") > texts.index(setup_lines[0])
