"""The live panel's fast-changing part as plain HTML: what to do now, the hold, every check.

Why HTML and not Streamlit's markdown elements: the panel is a fragment redrawn twice a
second, every redraw makes the browser render the fragment's elements again, and each
markdown element (alerts, captions, the progress bar's label, the check list) is parsed
again each time, on the main thread that also presents the video. Measured with
`tools/live_bench.py` (full model, capture→display median, interleaved rounds): 94 ms with
the check list in markdown (5 rounds), 72 ms with it in HTML (5 rounds), pass-through 62-68 ms.

Everything shown is escaped (stretch files are data written by people).
"""

from __future__ import annotations

from html import escape

from coach.ui import words
from coach.live import LiveSnapshot

#: (background, text colour) of the status box, like Streamlit's alerts.
_BOX = {
    "info": ("rgba(28, 131, 225, 0.1)", "#004280"),
    "success": ("rgba(33, 195, 84, 0.1)", "#177233"),
    "warning": ("rgba(255, 189, 69, 0.2)", "#7a5a00"),
}
_GREY = "#6e7781"

HOLD_STATE_WORDS = {
    "waiting": "waiting for the correct pose",
    "settling": "correct: starting to count",
    "holding": "counting",
    "paused": "paused: the pose is not correct",
    "complete": "complete",
}


#: Sizes for reading from 2-3 m: the cue and the timer at least 48 px (3rem at 16 px).
BIG = "3rem"
MEDIUM = "1.5rem"


def _box(kind: str, text: str, size: str = BIG) -> str:
    background, colour = _BOX[kind]
    return (f"<div data-kind='{kind}' style='background:{background};color:{colour};border-radius:0.5rem;"
            f"padding:0.5rem 1rem;margin:0.4rem 0;font-size:{size};line-height:1.15;font-weight:700'>"
            f"{text}</div>")


def _progress(fraction: float, label: str) -> str:
    percent = max(0.0, min(1.0, fraction)) * 100.0
    return (f"<div style='margin:0.4rem 0'><div style='font-size:{MEDIUM}'>{escape(label)}</div>"
            "<div role='progressbar' aria-valuemin='0' aria-valuemax='100' "
            f"aria-valuenow='{percent:.0f}' style='height:1rem;border-radius:0.5rem;background:#e6e9ef;"
            f"margin-top:0.25rem'><div style='width:{percent:.1f}%;height:100%;border-radius:0.5rem;"
            "background:#1c83e1'></div></div></div>")


def _timer(held_s: float, target_s: float) -> str:
    return (f"<div data-kind='timer' style='font-size:{BIG};font-weight:800;line-height:1.1;"
            f"font-variant-numeric:tabular-nums'>{min(held_s, target_s):.0f}<span style='font-size:{MEDIUM};"
            f"font-weight:600'> of {target_s:.0f} s</span></div>")


def now_box_html(snap: LiveSnapshot) -> str:
    """The step, what to do now (set-up, countdown, hold, rest, the cue) and the hold so far, in type
    large enough to read from where the person stretches."""
    if snap.done:
        ended = "Session ended." if snap.stopped else "Routine complete. Well done."
        return _box("success", f"{ended} Your summary is below.", MEDIUM)
    step = f"Hold {min(snap.slot_index + 1, snap.slot_count)} of {snap.slot_count}: {snap.slot_label}"
    parts = [f"<div style='font-weight:700;font-size:{MEDIUM};line-height:1.2'>{escape(step)}</div>"]
    if snap.paused:
        parts.append(_box("info", f"Paused ({escape(snap.paused)}). Press Resume to carry on.", MEDIUM))
    elif snap.phase in ("setup", "start"):
        # "Set up for X: move the laptop so it sees you side-on. The countdown starts when ...",
        # or the start position ("Sit tall with .... The hold starts when ..."):
        # what to do in large type, when it goes on below it.
        what, _, when = snap.instruction.partition(". ")
        parts.append(_box("info", escape(what), BIG))
        if when:
            parts.append(f"<div data-kind='setup' style='font-size:{MEDIUM}'>{escape(when)}</div>")
        if snap.cue:
            parts.append(f"<div style='font-size:{MEDIUM}'>{escape(snap.cue)}</div>")
    elif snap.phase == "countdown":
        parts.append(_box("info", f"Get ready: {max(1, int(snap.phase_remaining_s + 0.999))}"))
        if snap.cue:
            parts.append(f"<div style='font-size:{MEDIUM}'>{escape(snap.cue)}</div>")
    elif snap.phase == "rest":
        parts.append(_box("info", f"{escape(snap.instruction)} ({snap.phase_remaining_s:.0f} s)", MEDIUM))
    elif snap.correct:
        parts.append(_box("success", "Good. Hold it."))
        if snap.cue:  # every gate holds; a depth target to work towards, gently (the time counts)
            parts.append(f"<div data-kind='depth' style='font-size:{MEDIUM}'>{escape(snap.cue)}</div>")
    else:
        parts.append(_box("warning", escape(snap.cue or "Get into position")))
    if snap.too_small and not snap.paused and (snap.phase in ("countdown", "start")
                                                or (snap.phase == "hold" and not snap.correct)):
        # Before the hold, and while it does not count: never when it counts (no nagging).
        parts.append(f"<div data-kind='closer' style='font-size:{MEDIUM};font-weight:600'>"
                     f"{escape(words.COME_CLOSER)}</div>")
    if snap.phase in ("countdown", "hold") and snap.target_s > 0 and not snap.paused:
        state = HOLD_STATE_WORDS.get(snap.hold_state or "", snap.hold_state or "")
        parts.append(_timer(snap.held_s, snap.target_s))
        parts.append(_progress(snap.held_s / snap.target_s,
                               f"{snap.held_s:.1f} s held of {snap.target_s:.0f} s · {state}"))
    if snap.people_in_view > 1:
        parts.append(f"<div style='color:{_GREY};font-size:1rem'>"
                     "Someone else is in view: the coach keeps following the same person.</div>")
    return "".join(parts)


def checks_html(snap: LiveSnapshot) -> str:
    """Every check of the current frame: ok / needs correcting / not seen, with value and target."""
    rows = []
    for row in snap.checks:
        mark, colour, status = words.STATUS_MARK.get(row.status, ("•", _GREY, row.status))
        value = words.check_value_words(row.status, row.value, row.unit)
        target = words.target_words(row.target_min, row.target_max, row.unit)
        rows.append(f"<div style='margin:0.15rem 0'><span style='color:{colour};font-weight:700' "
                    f"title='{status}' aria-label='{status}'>{mark}</span> {escape(row.description)} "
                    f"<span style='color:{_GREY}'>({escape(value)}; target: {escape(target)})</span></div>")
    return "".join(rows)


__all__ = ["HOLD_STATE_WORDS", "checks_html", "now_box_html"]
