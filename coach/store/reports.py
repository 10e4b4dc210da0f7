"""A patient's sessions as CSV (one row per hold) and as a PDF report with charts.

Both read through the same access-checked queries as the pages. The PDF is drawn
with fpdf2; its charts are Vega-Lite rendered offline (`coach.store.charts`). Text
is set in DejaVu Sans when that font is on the machine (any language), else in the
PDF's built-in Helvetica with characters it lacks replaced.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from coach.store import charts
from coach.store.accounts import User, get_patient, utcnow
from coach.store.database import Database
from coach.store.importer import PAIN_RISE_FLAG
from coach.store.prescriptions import active_prescription
from coach.store.queries import SessionDetail, adherence, session_details, trends

CSV_COLUMNS = (
    "patient_id", "session_id", "started_utc", "source", "routine", "duration_s", "pain_before", "pain_after",
    "flags", "stretch", "side", "rep", "held_s", "target_s", "completed", "skipped", "longest_hold_s",
    "time_to_first_correct_s", "top_cue", "depth_medians",
)
NOT_A_DIAGNOSIS = (
    "Not a diagnosis. Stretch Coach checks the shape of a stretch from one camera; it cannot feel what the "
    "body feels. Depths are camera measurements of landmarks, not clinical range-of-motion measurements. "
    "Pain scores are the patient's own 0-10 ratings."
)


@dataclass(frozen=True)
class ReportRange:
    start: date | None = None
    end: date | None = None

    def describe(self, details: list[SessionDetail]) -> str:
        first = self.start or (details[0].session.started.date() if details else None)
        last = self.end or utcnow().date()
        return f"{first or 'the first session'} to {last}"


def _cell(value: object) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
    return "'" + text if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _number(text)) else text


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def csv_rows(details: Iterable[SessionDetail]) -> Iterable[list[str]]:
    for detail in details:
        s = detail.session
        first = [s.patient_id, s.id, s.started.isoformat(timespec="seconds"), s.source, s.routine, s.duration_s,
                 s.pain_before, s.pain_after, " ".join(s.flags)]
        if not detail.holds:
            yield [_cell(v) for v in first] + [""] * (len(CSV_COLUMNS) - len(first))
        for h in detail.holds:
            depths = "; ".join(f"{d.check_id}={d.median:g}" for d in h.depths if d.median is not None)
            yield [_cell(v) for v in (*first, h.stretch, h.side, h.rep, h.held_s, h.target_s, h.completed,
                                      h.skipped, h.longest_hold_s, h.time_to_first_correct_s,
                                      h.cues[0][0] if h.cues else "", depths)]


def write_csv(db: Database, user: User, patient_id: int, out: str | Path, start: date | None = None,
              end: date | None = None) -> int:
    """All holds of a patient's sessions in the range, one row each; returns the number of rows."""
    details = session_details(db, user, patient_id, start, end)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for row in csv_rows(details):
        writer.writerow(row)
        rows += 1
    _write_private(Path(out), buffer.getvalue().encode("utf-8"))
    return rows


def _write_private(path: Path, data: bytes) -> None:
    """Write a report (health data) as a 0600 file, whole or not at all."""
    folder = path.parent
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- PDF


def _unicode_font() -> Path | None:
    candidates = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf")
    return next((p for p in candidates if p.is_file()), None)


class _Pdf:
    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_margins(15, 15, 15)
        font = _unicode_font()
        if font is not None:
            self.pdf.add_font("body", "", str(font))
            bold = font.with_name("DejaVuSans-Bold.ttf")
            self.pdf.add_font("body", "B", str(bold if bold.is_file() else font))
            self.family, self.unicode = "body", True
        else:
            self.family, self.unicode = "helvetica", False
        self.pdf.add_page()

    def text(self, value: object) -> str:
        text = "" if value is None else str(value)
        if self.unicode:
            return text
        text = text.replace("–", "-").replace("—", "-").replace("’", "'").replace("→", "->").replace("≥", ">=")
        return text.encode("latin-1", "replace").decode("latin-1")

    def heading(self, text: str, size: int = 13) -> None:
        self.pdf.set_font(self.family, "B", size)
        self.pdf.ln(2)
        self.pdf.multi_cell(0, size * 0.5, self.text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def paragraph(self, text: str, size: int = 9) -> None:
        self.pdf.set_font(self.family, "", size)
        self.pdf.multi_cell(0, size * 0.48, self.text(text), new_x="LMARGIN", new_y="NEXT")

    def table(self, header: list[str], rows: list[list[object]], widths: tuple[int, ...] | None = None) -> None:
        self.pdf.set_font(self.family, "", 7.5)
        with self.pdf.table(col_widths=widths, text_align="LEFT", line_height=4, first_row_as_headings=True,
                            headings_style=_bold(self.family)) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(self.text(value))
        self.pdf.ln(2)

    def image(self, png: bytes) -> None:
        self.pdf.image(io.BytesIO(png), w=self.pdf.epw)
        self.pdf.ln(2)


def _bold(family: str):  # type: ignore[no-untyped-def]
    from fpdf.fonts import FontFace

    return FontFace(family=family, emphasis="BOLD")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _depth_text(value: float | None, low: float | None, high: float | None, unit: str) -> str:
    if value is None:
        return "-"
    target = f"{low:g}-{high:g}" if low is not None and high is not None else \
        f">= {low:g}" if low is not None else f"<= {high:g}" if high is not None else "-"
    return f"{value:g} {unit} (target {target})".replace(" °", "°")


def write_pdf(db: Database, user: User, patient_id: int, out: str | Path, start: date | None = None,
              end: date | None = None, as_of: datetime | None = None) -> int:
    """The report for a date range (adherence, sessions, holds, trends, charts); returns its page count."""
    details = session_details(db, user, patient_id, start, end)  # checks that `user` may see the patient
    patient = get_patient(db, patient_id)
    found = trends(db, user, patient_id, start, end)
    kept = adherence(db, user, patient_id, as_of)
    plan = active_prescription(db, user, patient_id)
    doc = _Pdf()
    doc.heading("Stretch Coach: patient report", 16)
    doc.paragraph(f"Patient: {patient.name} (id {patient.id})\n"
                  f"Sessions from {ReportRange(start, end).describe(details)}: {len(details)}\n"
                  f"Report made {utcnow().isoformat(timespec='minutes')} UTC; times are UTC.", 10)
    doc.heading("Adherence")
    last = kept.last_session.isoformat(timespec="minutes") if kept.last_session else "none"
    doc.paragraph(f"Days with a session in the last 30 days: {kept.days_active} of 30.   "
                  f"Sessions a week over the last 4 weeks: {kept.sessions_per_week:g}.   Last session: {last}.", 10)
    if plan is not None:
        steps = ", ".join(f"{s.stretch_id} {'/'.join(x for x in s.sides if x) or ''} {s.reps}x{s.hold_seconds:g} s"
                          .replace("  ", " ") for s in plan.prescription.steps)
        doc.paragraph(f"Current plan ({plan.created_at.date()}): {steps}. {plan.prescription.note}", 9)
    rose = [p for p in found.pain if p.rose]
    if rose:
        doc.heading("Pain rose during sessions", 11)
        doc.paragraph("Pain rose by %d points or more (before to after) in: %s." % (PAIN_RISE_FLAG, ", ".join(
            f"session {p.session_id} on {p.started.date()} ({p.before} -> {p.after})" for p in rose)), 10)
    doc.heading("Sessions")
    doc.table(["session", "started (UTC)", "source", "routine", "min", "holds completed", "pain before/after",
               "flags"],
              [[d.session.id, d.session.started.isoformat(sep=" ", timespec="minutes"), d.session.source,
                d.session.routine or "-", f"{d.session.duration_s / 60:.1f}",
                f"{d.session.holds_completed} of {d.session.holds}",
                f"{_opt(d.session.pain_before)} / {_opt(d.session.pain_after)}", ", ".join(d.session.flags) or "-"]
               for d in details] or [["-"] * 8], (14, 30, 14, 22, 10, 22, 24, 26))
    doc.heading("Holds")
    doc.table(["session", "stretch", "side", "rep", "held / target s", "completed", "longest s",
               "first correct s", "most shown cue"],
              [[d.session.id, h.stretch, h.side or "-", h.rep, f"{h.held_s:.1f} / {h.target_s:g}",
                "skipped" if h.skipped else "yes" if h.completed else "no", _seconds(h.longest_hold_s),
                _seconds(h.time_to_first_correct_s), h.cues[0][0] if h.cues else "-"]
               for d in details for h in d.holds] or [["-"] * 9], (13, 32, 10, 8, 20, 16, 14, 16, 51))
    if doc.pdf.get_y() > doc.pdf.h - 110:  # keep the heading with its first chart
        doc.pdf.add_page()
    doc.heading("Trends")
    for spec in (charts.held_spec(found), charts.pain_spec(found)):
        if spec is not None:
            doc.image(charts.render_png(spec))
    depth_rows = []
    for trend in found.by_stretch:
        latest = trend.points[-1]
        for depth in latest.depths:
            depth_rows.append([f"{trend.stretch} {trend.side or ''}".strip(), depth.check_id,
                               _depth_text(depth.median, depth.target_min, depth.target_max, depth.unit),
                               "plan" if depth.prescribed else "stretch file", len(trend.points)])
    if depth_rows:
        doc.paragraph("Depth in the latest session: median of each check over the frames judged correct.", 9)
        doc.table(["stretch", "check", "median (target)", "target from", "sessions"], depth_rows, (45, 40, 55, 22, 18))
    if found.side_differences:
        doc.paragraph("Right minus left, per session (seconds held; check medians).", 9)
        doc.table(["session", "stretch", "held s (R-L)", "depth medians (R-L)"],
                  [[d.session_id, d.stretch, f"{d.held_s:+.1f}",
                    "; ".join(f"{k} {v:+g}" for k, v in d.depth_medians.items()) or "-"]
                   for d in found.side_differences], (16, 36, 22, 106))
    doc.heading("Note", 11)
    doc.paragraph(NOT_A_DIAGNOSIS, 9)
    data = bytes(doc.pdf.output())
    _write_private(Path(out), data)
    return doc.pdf.pages_count


def _opt(value: int | None) -> str:
    return "-" if value is None else str(value)
