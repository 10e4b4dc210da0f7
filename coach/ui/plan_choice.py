"""The Live page's choice between a logged-in patient's own plan and the standard routines.

A patient whose therapist has prescribed a plan (`coach.store.prescriptions`, from the
therapist pages or `coach prescribe` with a plan file) gets that plan by default: its
stretches, sides, holds, reps and rest, and its depth targets in place of the stretch
files'. The page says whose plan it is and shows the therapist's note; the patient can
still pick the standard routines. Without a login or a plan nothing here shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from coach.store import accounts
from coach.store.database import Database, StoreError
from coach.store.prescriptions import (
    ROUTINE_ID,
    StoredPrescription,
    active_prescription,
    prescribed_stretches,
    prescription_routine,
)
from coach.stretches import Library, Routine, Stretch
from coach.ui.common import plain

CHOICE_KEY = "live_plan_choice"
STANDARD = "The standard routines"


@dataclass(frozen=True)
class PatientPlan:
    """A patient's current plan, ready for the live coach."""

    routine: Routine
    stretches: dict[str, Stretch]  # the library's, with the plan's depth targets
    label: str  # "Your plan from drlee, 3 May 2025"
    note: str
    log_routine_id: str = ROUTINE_ID


def plan_label(db: Database, stored: StoredPrescription) -> str:
    """Whose plan and from when; a plan imported from a file (`coach prescribe`) is "your therapist"'s."""
    who = "your therapist"
    if stored.created_by is not None:
        who = accounts.display_name(db, accounts.User("therapist", stored.created_by))
    made = stored.created_at
    return f"Your plan from {who}, {made.day} {made:%B %Y}"


def current_plan(db: Database | None, user: accounts.User | None, lib: Library) -> PatientPlan | None:
    """The logged-in patient's active plan (None: nobody logged in, not a patient, or no plan).

    A plan that names a stretch this app no longer has is reported and not run."""
    if db is None or user is None or user.role != "patient":
        return None
    try:
        stored = active_prescription(db, user, user.id)
        if stored is None:
            return None
        routine = prescription_routine(stored.prescription, lib)
        label = plan_label(db, stored)
    except StoreError as error:
        st.warning(f"Your therapist's plan could not be loaded, so the standard routines are offered: "
                   f"{plain(str(error))}")
        return None
    return PatientPlan(routine, prescribed_stretches(stored.prescription, lib), label, stored.prescription.note)


def use_plan(plan: PatientPlan) -> bool:
    """The choice (in the page's set-up): the plan, first and default, or the standard routines."""
    choice = st.radio("Which routine?", ["plan", "standard"], key=CHOICE_KEY,
                      format_func=lambda c: plan.label if c == "plan" else STANDARD)
    return choice != "standard"


def plan_chosen(plan: PatientPlan | None) -> bool:
    """What the choice holds now (from its last run), for the page's lines above the set-up."""
    return plan is not None and st.session_state.get(CHOICE_KEY, "plan") != "standard"


def plan_heading(plan: PatientPlan) -> None:
    """The plan's label and the therapist's note, where the patient sees them before starting."""
    note = f" Note from your therapist: *{plain(plan.note)}*" if plan.note else ""
    st.caption(f"**{plain(plan.label)}.**{note}")
