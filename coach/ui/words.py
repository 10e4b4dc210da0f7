"""Measurements and targets in plain words (no Streamlit here)."""

from __future__ import annotations

#: Measurement units in plain words (the engine's units are "°" or "× <scale>").
_UNIT_WORDS = {
    "× torso": "trunk lengths",
    "× hip width": "hip widths",
    "× shoulder width": "shoulder widths",
    "× working thigh": "thigh lengths",
    "× other thigh": "thigh lengths",
    "× working shin": "shin lengths",
    "× other shin": "shin lengths",
    "× start position": "of your start position",
    "° from the start position": "degrees from your start position",
}
#: What a check measured against the start position shows while it has nothing to compare with
#: (the start not seen and, for a length, the hold not yet correct long enough to take its place).
UNJUDGED_WORDS = "not judged: nothing to compare with"
#: Shown (and said once) on the Live page while the person is smaller in the picture than the
#: stretch needs (`coach.person_size.too_small`).
COME_CLOSER = "Come closer to the camera: you look small to it, so it may misread this stretch."
#: Said aloud: the short form.
COME_CLOSER_SPOKEN = "Come a little closer to the camera"


def unit_words(unit: str) -> str:
    return _UNIT_WORDS.get(unit, unit.replace("× ", "").strip())


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.2f}".rstrip("0").rstrip(".")


def target_words(minimum: float | None, maximum: float | None, unit: str) -> str:
    """"between 15 and 75°", "at least 0.28 trunk lengths", "at most 25°"."""
    words = unit_words(unit)
    sep = "" if words == "°" else " "

    def with_unit(value: float) -> str:
        return f"{_number(value)}{sep}{words}".strip()

    if minimum is not None and maximum is not None:
        return f"between {_number(minimum)} and {with_unit(maximum)}"
    if minimum is not None:
        return f"at least {with_unit(minimum)}"
    if maximum is not None:
        return f"at most {with_unit(maximum)}"
    return "any"


def check_value_words(status: str | None, value: float | None, unit: str) -> str:
    """A check's value as shown beside it; an unjudged check has none to show."""
    return UNJUDGED_WORDS if status == "unjudged" else value_words(value, unit)


def value_words(value: float | None, unit: str) -> str:
    if value is None:
        return "not seen"
    words = unit_words(unit)
    if words == "°":
        return f"{value:.0f}°"
    if unit.startswith("°"):  # degrees against something ("° from the start position")
        return f"{value:.0f} {words}"
    return f"{value:.2f} {words}".strip()


#: Check status as a Streamlit markdown icon (Material icons ship with Streamlit: no emoji font needed).
STATUS_ICON = {
    "ok": ":green[:material/check_circle:]",
    "too_low": ":red[:material/cancel:]",
    "too_high": ":red[:material/cancel:]",
    "not_visible": ":gray[:material/visibility_off:]",
    "unjudged": ":gray[:material/help:]",
}

#: Check status as (mark, colour, words) for plain HTML: the live panel, redrawn twice a second,
#: uses it instead of markdown, which the browser parses again on every redraw.
STATUS_MARK = {
    "ok": ("✓", "#1a7f37", "ok"),
    "too_low": ("✗", "#cf222e", "needs correcting"),
    "too_high": ("✗", "#cf222e", "needs correcting"),
    "not_visible": ("◌", "#6e7781", "not seen"),
    "unjudged": ("–", "#6e7781", UNJUDGED_WORDS),
}
