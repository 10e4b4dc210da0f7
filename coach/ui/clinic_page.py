"""The therapist's pages: patients with adherence and pain flags, a patient's sessions and trends,
any session opened in the shared report with its replay, CSV and PDF reports.

Everything is read through `coach.store`'s access-checked queries with the logged-in
`User`: a therapist sees only the patients assigned to them, a patient only their own
sessions. Asking for anything else gets the store's answer ("no session 7 you may
see"), shown as it is. Names and cues come from people and logs: shown as plain text.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from coach import settings
from coach.session_log import SessionLogError, load_session_log
from coach.store import accounts, pending, queries, reports
from coach.store.database import Database, StoreError, open_database
from coach.store.importer import PAIN_RISE_FLAG
from coach.ui import auth, common, session_report
from coach.ui.common import plain

LOGGER = logging.getLogger(__name__)
DEFAULT_RANGE_DAYS = 90
NO_ACCOUNTS = (
    "No therapist account exists in this app's database yet, so there is nothing to log in to. "
    "On a single laptop that is fine: the Live coach and Review pages work without accounts.\n\n"
    "To see patients here, create an account on the computer that holds the database, in a terminal:\n\n"
    "```\n"
    "coach therapist add USERNAME          # asks for a password twice\n"
    "coach patient add \"Ann Example\"       # -> patient 1\n"
    "coach assign --therapist USERNAME --patient 1\n"
    "coach import SESSION_LOG.jsonl --patient 1\n"
    "```\n\n"
    "Then reload this page and log in."
)


@st.cache_resource(show_spinner=False)
def _open(url: str) -> Database:
    """One open database per URL and server process (opening runs the migrations)."""
    return open_database(url)


def import_unfinished(db: Database) -> None:
    """Sessions of logged-in patients that never reached the database (pain-after never answered:
    the tab closed, the server stopped) are imported from their logs (`coach.store.pending`), on
    the patient's next Live page and whenever a therapist opens the patient list."""
    try:
        pending.import_pending(db, settings.sessions_dir())
    except (StoreError, OSError, SQLAlchemyError):
        LOGGER.exception("importing unfinished sessions failed; they are tried again on the next page load")


def database() -> Database | None:
    try:
        return _open(settings.database_url())
    except StoreError as error:
        st.error(f"The patients' database could not be opened: {plain(str(error))}")
        return None


# ---------------------------------------------------------------- tables


def patients_table(rows: list[queries.PatientRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        "patient": r.name,
        "id": r.id,
        "days active (of 30)": r.adherence.days_active,
        "sessions a week": r.adherence.sessions_per_week,
        "last session (UTC)": r.adherence.last_session.strftime("%Y-%m-%d %H:%M") if r.adherence.last_session
        else "none",
        "pain rose": f"⚠️ in {r.pain_flags} session{'s' if r.pain_flags != 1 else ''}" if r.pain_flags else "",
    } for r in rows])


def _score(value: int | None) -> str:
    return "-" if value is None else str(value)


def sessions_table(rows: list[queries.SessionRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        "session": r.id,
        "date (UTC)": r.started.strftime("%Y-%m-%d %H:%M"),
        "source": r.source if r.source == "live" else f"video {r.video_file or ''}".strip(),
        "holds completed": f"{r.holds_completed} of {r.holds}",
        "pain before": _score(r.pain_before),
        "pain after": _score(r.pain_after),
        "minutes": round(r.duration_s / 60, 1),
        "notes": ", ".join(("⚠️ pain rose" if f == "pain_rose" else f.replace("_", " ")) for f in r.flags),
    } for r in rows])


# ---------------------------------------------------------------- charts


def _series(stretch: str, side: str | None, names: dict[str, str]) -> str:
    name = names.get(stretch, stretch)
    return f"{name} ({side})" if side else name


def held_chart(found: queries.Trends, names: dict[str, str]) -> alt.Chart | None:
    rows = [{"session": p.started, "stretch": _series(t.stretch, t.side, names), "seconds": value, "what": what}
            for t in found.by_stretch for p in t.points for what, value in (("held", p.held_s), ("target", p.target_s))]
    if not rows:
        return None
    return alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("session:T", title="session"), y=alt.Y("seconds:Q", title="seconds held correctly (best rep)"),
        color=alt.Color("stretch:N", title=None), strokeDash=alt.StrokeDash("what:N", title=None),
        tooltip=["stretch", "what", "seconds", "session"])


def depth_chart(found: queries.Trends, names: dict[str, str]) -> alt.Chart | None:
    rows = []
    for trend in found.by_stretch:
        for point in trend.points:
            for depth in point.depths:
                series = f"{_series(trend.stretch, trend.side, names)}: {depth.check_id}"
                if depth.median is not None:
                    rows.append({"session": point.started, "check": series, "value": depth.median, "what": "median"})
                for what, bound in (("target min", depth.target_min), ("target max", depth.target_max)):
                    if bound is not None:
                        rows.append({"session": point.started, "check": series, "value": bound, "what": what})
    if not rows:
        return None
    return alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("session:T", title="session"), y=alt.Y("value:Q", title="median over correct frames"),
        color=alt.Color("what:N", title=None), tooltip=["check", "what", "value", "session"],
    ).properties(height=140).facet(row=alt.Row("check:N", title=None), columns=1).resolve_scale(y="independent")


def side_chart(found: queries.Trends, names: dict[str, str]) -> alt.Chart | None:
    rows = [{"session": d.started, "stretch": names.get(d.stretch, d.stretch), "seconds (right - left)": d.held_s}
            for d in found.side_differences]
    if not rows:
        return None
    return alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        x=alt.X("session:T", title="session"), y=alt.Y("seconds (right - left):Q"),
        color=alt.Color("stretch:N", title=None), tooltip=["stretch", "seconds (right - left)", "session"])


def pain_chart(found: queries.Trends) -> alt.Chart | None:
    rows = [{"session": p.started, "when": when, "pain": score} for p in found.pain
            for when, score in (("before", p.before), ("after", p.after)) if score is not None]
    if not rows:
        return None
    return alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("session:T", title="session"),
        y=alt.Y("pain:Q", title="pain (0 = none, 10 = worst imaginable)", scale=alt.Scale(domain=[0, 10])),
        color=alt.Color("when:N", title=None, sort=["before", "after"]), tooltip=["when", "pain", "session"])


# ---------------------------------------------------------------- reports


def report_bytes(db: Database, user: accounts.User, patient_id: int, start: date, end: date, kind: str) -> bytes:
    """The CSV or PDF report, made by `coach.store.reports` in a private temporary folder."""
    with tempfile.TemporaryDirectory(prefix="stretch-coach-report-") as folder:
        out = Path(folder) / f"report.{kind}"
        if kind == "pdf":
            reports.write_pdf(db, user, patient_id, out, start, end)
        else:
            reports.write_csv(db, user, patient_id, out, start, end)
        return out.read_bytes()


# ---------------------------------------------------------------- page parts


def _patient_list(db: Database, user: accounts.User) -> queries.PatientRow | None:
    rows = queries.patients_for(db, user)
    if not rows:
        st.info("No patients are assigned to you yet. On the computer that holds the database: "
                "`coach assign --therapist USERNAME --patient ID`.")
        return None
    st.subheader("Your patients")
    st.caption("Adherence: days with at least one session in the last 30 days, sessions a week over the "
               f"last 4 weeks, the last session. ⚠️: pain rose by {PAIN_RISE_FLAG} or more points during a "
               "session in the last 30 days.")
    st.dataframe(patients_table(rows), hide_index=True, width="stretch")
    ids = [r.id for r in rows]
    by_id = {r.id: r for r in rows}
    chosen = st.selectbox("Patient", ids, key="clinic_patient",
                          format_func=lambda i: f"{by_id[i].name} (id {i})"
                          + (" ⚠️ pain rose" if by_id[i].pain_flags else ""))
    return by_id[chosen]


def _open_session(db: Database, user: accounts.User, sessions: list[queries.SessionRow]) -> None:
    st.subheader("Open a session")
    newest = sessions[0].id if sessions else 1
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    session_id = left.number_input("Session number", min_value=1, step=1, value=newest, key="clinic_open_id")
    if right.button("Open in the report", key="clinic_open"):
        st.session_state["clinic_opened"] = int(session_id)
    opened = st.session_state.get("clinic_opened")
    if opened is None:
        return
    try:
        detail = queries.get_session(db, user, opened)
    except StoreError as error:
        st.error(f"Cannot open it: {plain(str(error))}.")
        return
    try:
        log = load_session_log(detail.session.log_path)
    except (OSError, SessionLogError) as error:
        st.warning(f"Session {opened}'s log could not be read from {plain(detail.session.log_path)}: "
                   f"{plain(str(error))}. Its stored holds are in the sessions table and the reports.")
        return
    session_report.header_caption(log)
    pain = ", ".join(f"{p.when} {p.score if p.score is not None else '(it hurts)'}" for p in detail.pain)
    st.caption(f"Pain (0-10): {pain}" if pain else "No pain score was given in this session.")
    session_report.render_log_report(log, key=f"clinic_report_{opened}", replay=True)


def _downloads(db: Database, user: accounts.User, patient: queries.PatientRow, start: date, end: date) -> None:
    st.subheader("Reports")
    stem = f"patient{patient.id}_{start}_{end}"
    left, right = st.columns(2)
    with left:
        data = report_bytes(db, user, patient.id, start, end, "csv")
        st.download_button("Download CSV (one row per hold)", data=data, file_name=f"{stem}.csv", mime="text/csv",
                           key="clinic_csv")
    with right:
        made = st.session_state.get("clinic_pdf")
        wanted = (patient.id, start, end)
        if made is None or made[0] != wanted:
            if st.button("Make the PDF report", key="clinic_make_pdf"):
                with st.spinner("Drawing the report…"):
                    made = (wanted, report_bytes(db, user, patient.id, start, end, "pdf"))
                st.session_state["clinic_pdf"] = made
        if made is not None and made[0] == wanted:
            st.download_button("Download the PDF report", data=made[1], file_name=f"{stem}.pdf",
                               mime="application/pdf", key="clinic_pdf_download", type="primary")


def _patient(db: Database, user: accounts.User, patient: queries.PatientRow) -> None:
    st.header(plain(patient.name))
    today = accounts.utcnow().date()
    left, right = st.columns(2)
    start = left.date_input("From", value=today - timedelta(days=DEFAULT_RANGE_DAYS), key="clinic_from")
    end = right.date_input("To", value=today, key="clinic_to")
    if start > end:
        st.warning("'From' is after 'To': no sessions in that range.")
        return
    sessions = queries.sessions_for(db, user, patient.id, start, end)
    st.subheader("Sessions")
    if sessions:
        st.dataframe(sessions_table(sessions), hide_index=True, width="stretch")
    else:
        st.info("No sessions in this date range.")
    found = queries.trends(db, user, patient.id, start, end)
    names = {k: v.name for k, v in common.library().stretches.items()}
    st.subheader("Trends")
    drawn = False
    for title, chart in (("Held correctly vs target, per stretch and side", held_chart(found, names)),
                         ("Pain before and after", pain_chart(found)),
                         ("Right minus left (seconds held)", side_chart(found, names)),
                         ("Depth against the target (the plan's, else the stretch file's)", depth_chart(found, names))):
        if chart is not None:
            st.markdown(f"**{title}**")
            st.altair_chart(chart, width="stretch")
            drawn = True
    if not drawn:
        st.caption("No trends yet: no session in this range.")
    _open_session(db, user, sessions)
    _downloads(db, user, patient, start, end)


def render() -> None:
    st.markdown("### Patients")
    common.health_note(compact=True)
    db = database()
    if db is None:
        return
    if not accounts.has_accounts(db):
        st.info(NO_ACCOUNTS)
        return
    user = auth.current_user()
    if user is None:
        st.markdown("Log in to see your patients.")
        auth.login_form(db)
        return
    auth.logout_button(plain(accounts.display_name(db, user)))
    import_unfinished(db)
    try:
        patient = _patient_list(db, user)
        if patient is not None:
            _patient(db, user, patient)
    except StoreError as error:
        st.error(plain(str(error)))
