"""What the coach says aloud, and when: a small, pure decision class.

The live page asks `SpeechPlanner.update(snapshot, now)` four times a second;
it returns the sentence to speak now, or None. The browser speaks it
(`window.speechSynthesis`, see `speak_js`). Rules:

* one sentence at a time: nothing within `cooldown_s` of the last one;
* the same sentence not again within `repeat_after_s`;
* milestones (the set-up step's "move the laptop ..." once, "Come a little closer to the
  camera" once a session when the person is too small in the picture for the stretch, "Get
  ready", "Go", "10 seconds left", "Rest, then switch to the left side", "Routine complete")
  come before form cues; a milestone that
  could not be said within `milestone_max_age_s` is dropped (it would be stale);
* a form cue is said only once it has been the current cue for `cue_stable_s`
  (a cue that flickers for a frame is never spoken) and only while it is still
  the current cue.

Wall-clock time (`now`) is right here: this is about the listener, not the video.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import MISSING, dataclass, field, fields
from typing import Protocol

from coach.ui import words


class SpeechInput(Protocol):
    """The fields of a live snapshot the planner reads (`coach.live.LiveSnapshot`)."""

    frames: int
    phase: str | None
    slot_index: int
    slot_label: str
    stretch_id: str | None
    side: str | None
    instruction: str
    hold_state: str | None
    held_s: float
    target_s: float
    correct: bool | None
    cue: str | None
    done: bool


@dataclass
class SpeechPlanner:
    cooldown_s: float = 4.0
    repeat_after_s: float = 8.0
    cue_stable_s: float = 1.0
    milestone_max_age_s: float = 6.0
    warning_left_s: float = 10.0
    _pending: deque[tuple[str, float]] = field(default_factory=deque, init=False)
    _last_spoken_at: float | None = field(default=None, init=False)
    _said_at: dict[str, float] = field(default_factory=dict, init=False)
    _prev: tuple | None = field(default=None, init=False)
    _prev_stretch_side: tuple[str | None, str | None] | None = field(default=None, init=False)
    _cue: str | None = field(default=None, init=False)
    _cue_since: float = field(default=0.0, init=False)
    _warned_slot: int | None = field(default=None, init=False)
    _praised_slot: int | None = field(default=None, init=False)
    _told_closer: bool = field(default=False, init=False)

    def reset(self) -> None:
        """Forget everything (a new session starts)."""
        for spec in fields(self):
            if spec.init:
                continue  # the settings stay
            if spec.default_factory is not MISSING:
                setattr(self, spec.name, spec.default_factory())
            else:
                setattr(self, spec.name, spec.default)

    # ---------------------------------------------------------------- events
    def _milestone(self, text: str, now: float) -> None:
        if text and all(text != pending for pending, _ in self._pending):
            self._pending.append((text, now))

    def _observe(self, snap: SpeechInput, now: float) -> None:
        key = (snap.phase, snap.slot_index, snap.done)
        prev = self._prev
        self._prev = key
        if snap.done:
            self._cue = None  # nothing about the pose is said once the session is over
            if prev is None or not prev[2]:
                self._pending.clear()
                stopped = getattr(snap, "stopped", False)
                self._milestone("Session ended." if stopped else "Routine complete. Well done.", now)
            return
        if getattr(snap, "paused", False):
            self._cue = None  # paused: nothing to correct until the person carries on
            return
        slot_changed = prev is None or prev[1] != snap.slot_index
        phase_changed = prev is None or prev[0] != snap.phase
        if (slot_changed or phase_changed) and snap.phase == "setup":
            self._pending.clear()  # a new place for the laptop: said once, before anything else
            self._milestone(snap.instruction, now)
        elif phase_changed and snap.phase == "start":
            self._milestone(snap.instruction.partition(". ")[0], now)  # the start position, once
        elif phase_changed and snap.phase == "hold" and prev is not None and prev[0] == "start" and not snap.correct:
            self._milestone(snap.instruction, now)  # "Now push your hips up and back"
        elif slot_changed and snap.phase in ("countdown", "hold"):
            self._pending.clear()  # whatever was queued is about the previous hold
            before = self._prev_stretch_side
            if before is not None and before[0] == snap.stretch_id and snap.side and before[1] != snap.side:
                self._milestone(f"Switch to the {snap.side} side", now)
            else:
                self._milestone(f"Get ready: {snap.slot_label}", now)
        elif phase_changed and snap.phase == "countdown" and prev is not None and prev[0] == "setup":
            self._milestone(f"Get ready: {snap.slot_label}", now)  # seen in the new place: the countdown
        elif phase_changed and snap.phase == "hold" and prev is not None and prev[0] == "countdown":
            self._milestone("Go", now)
        elif phase_changed and snap.phase == "rest":
            self._pending.clear()
            self._milestone(snap.instruction, now)
        self._prev_stretch_side = (snap.stretch_id, snap.side)
        if getattr(snap, "too_small", False) and snap.phase in ("countdown", "start") and not self._told_closer:
            self._told_closer = True  # once a session: the panel keeps showing it while it applies
            self._milestone(words.COME_CLOSER_SPOKEN, now)

        if snap.phase == "hold":
            if snap.hold_state == "holding" and self._praised_slot != snap.slot_index:
                self._praised_slot = snap.slot_index
                self._milestone("Good. Hold it there.", now)
            left = snap.target_s - snap.held_s
            if (
                snap.target_s > self.warning_left_s * 1.5
                and 0 < left <= self.warning_left_s
                and self._warned_slot != snap.slot_index
            ):
                self._warned_slot = snap.slot_index
                self._milestone(f"{self.warning_left_s:.0f} seconds left", now)

        cue = snap.cue if (snap.phase in ("countdown", "hold") and not snap.correct) else None
        if cue != self._cue:
            self._cue, self._cue_since = cue, now

    # ---------------------------------------------------------------- choice
    def _may_say(self, text: str, now: float) -> bool:
        last = self._said_at.get(text)
        return last is None or now - last >= self.repeat_after_s

    def _say(self, text: str, now: float) -> str:
        self._last_spoken_at = now
        self._said_at[text] = now
        return text

    def update(self, snap: SpeechInput, now: float) -> str | None:
        """Feed the latest snapshot; returns the sentence to speak now, if any."""
        if snap.frames <= 0:
            return None
        self._observe(snap, now)
        while self._pending and now - self._pending[0][1] > self.milestone_max_age_s:
            self._pending.popleft()
        if self._last_spoken_at is not None and now - self._last_spoken_at < self.cooldown_s:
            return None
        while self._pending:
            text, _ = self._pending.popleft()
            if self._may_say(text, now):
                return self._say(text, now)
        cue = self._cue
        if cue and now - self._cue_since >= self.cue_stable_s and self._may_say(cue, now):
            return self._say(cue, now)
        return None


#: Characters that could end or change a `<script>` element (`</script>`, `<!--`) or an HTML
#: parse (`&`), written as JavaScript \u escapes instead; JSON already escapes U+2028/2029.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                              "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(value: object) -> str:
    """`value` as JSON that is safe inside a `<script>` element: a JavaScript literal whose
    text can never close the element or start markup, whatever the strings hold."""
    return json.dumps(value, ensure_ascii=True).translate(_SCRIPT_SAFE)


def speak_js(text: str, utterance_id: int) -> str:
    """A `<script>` that speaks `text` once in the browser (an id is spoken once only,
    so the page may render the same snippet again after an interrupted rerun).

    The script is fixed; `text` is only data in it (`script_json`): a cue or a stretch
    name holding `</script>` is spoken as written, never run or cut short.
    It cancels anything still being spoken, so speech never queues up behind
    the video. Every utterance is also appended to `window.__stretchCoachSpoken`
    (handy for tests and debugging).
    """
    payload = script_json({"id": int(utterance_id), "text": str(text)})
    return (
        "<script>(function(){"
        f"const u={payload};"
        "const w=window;"
        "const ids=(w.__stretchCoachIds=w.__stretchCoachIds||new Set());"
        "if(ids.has(u.id)){return;}"
        "ids.add(u.id);"
        "(w.__stretchCoachSpoken=w.__stretchCoachSpoken||[]).push(u.text);"
        "if(!('speechSynthesis' in w)){return;}"
        "try{w.speechSynthesis.cancel();"
        "const s=new SpeechSynthesisUtterance(u.text);s.rate=1.0;s.lang='en-GB';"
        "w.speechSynthesis.speak(s);}catch(e){}"
        "})();</script>"
    )
