"""The report's charts: Vega-Lite specs from trend dataclasses, rendered to PNG offline.

vl-convert-python carries its own JavaScript engine (Deno/V8) and the Vega
libraries, so rendering needs no browser and no network.
"""

from __future__ import annotations

import json
from typing import Any

from coach.store.queries import Trends

WIDTH, HEIGHT = 460, 170


def _side_name(stretch: str, side: str | None) -> str:
    return f"{stretch} ({side})" if side else stretch


def held_spec(trends: Trends) -> dict[str, Any] | None:
    """Seconds held correctly (best rep) per session for each stretch and side, with the target dashed."""
    rows = []
    for trend in trends.by_stretch:
        name = _side_name(trend.stretch, trend.side)
        for point in trend.points:
            when = point.started.isoformat(timespec="minutes")
            rows.append({"when": when, "series": name, "what": "held", "seconds": point.held_s})
            rows.append({"when": when, "series": name, "what": "target", "seconds": point.target_s})
    if not rows:
        return None
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH, "height": HEIGHT, "title": "Held correctly vs target (s)",
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "when", "type": "temporal", "title": "session"},
            "y": {"field": "seconds", "type": "quantitative", "title": "seconds"},
            "color": {"field": "series", "type": "nominal", "title": None},
            "strokeDash": {"field": "what", "type": "nominal", "title": None},
        },
    }


def pain_spec(trends: Trends) -> dict[str, Any] | None:
    """Pain (0-10) before and after each session."""
    rows = [{"when": p.started.isoformat(timespec="minutes"), "pain": when, "score": score}
            for p in trends.pain for when, score in (("before", p.before), ("after", p.after)) if score is not None]
    if not rows:
        return None
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH, "height": HEIGHT, "title": "Pain before and after (0 = none, 10 = worst imaginable)",
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "when", "type": "temporal", "title": "session"},
            "y": {"field": "score", "type": "quantitative", "title": "pain", "scale": {"domain": [0, 10]}},
            "color": {"field": "pain", "type": "nominal", "title": None, "sort": ["before", "after"]},
        },
    }


def render_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    import vl_convert  # imported when a chart is drawn: it loads a JavaScript engine

    return bytes(vl_convert.vegalite_to_png(json.dumps(spec), scale=scale))
