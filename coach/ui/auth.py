"""Who is using the therapist pages: login, rate-limited attempts, idle expiry, logout.

Passwords are checked by `coach.store.accounts.login` (Argon2id hashes). Failed attempts
are counted per username in one process-wide, lock-guarded `LoginThrottle` (not in
`st.session_state`, which a new browser tab would reset): after `MAX_FAILURES` wrong
passwords that username is locked for `LOCKOUT_S`, whatever the password. A login
lasts while the person uses the pages; `IDLE_LIMIT_S` without a page run ends it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from coach.store.accounts import User, login
from coach.store.database import Database

MAX_FAILURES = 5
LOCKOUT_S = 60.0
IDLE_LIMIT_S = 30 * 60.0
_USER_KEY = "auth_user"
_SEEN_KEY = "auth_last_seen"  # wall-clock time (time.time) of the last page run while logged in
_NOTE_KEY = "auth_note"


@dataclass
class _Attempts:
    failures: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    """Failed logins per username, shared by every browser session of this server process."""

    def __init__(self, max_failures: int = MAX_FAILURES, lockout_s: float = LOCKOUT_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock
        self._lock = threading.Lock()
        self._attempts: dict[str, _Attempts] = {}

    def locked_for(self, username: str) -> float:
        """Seconds this username must still wait (0: it may try)."""
        with self._lock:
            found = self._attempts.get(username)
            return max(0.0, found.locked_until - self.clock()) if found else 0.0

    def failed(self, username: str) -> None:
        with self._lock:
            found = self._attempts.setdefault(username, _Attempts())
            found.failures += 1
            if found.failures >= self.max_failures:
                found.failures = 0
                found.locked_until = self.clock() + self.lockout_s

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._attempts.pop(username, None)


THROTTLE = LoginThrottle()


def current_user() -> User | None:
    """The logged-in user of this browser session, or None (never logged in, logged out, or idle too long)."""
    state = st.session_state
    user = state.get(_USER_KEY)
    if user is None:
        return None
    now = time.time()
    if now - state.get(_SEEN_KEY, 0.0) > IDLE_LIMIT_S:
        logout(f"You were logged out after {IDLE_LIMIT_S / 60:.0f} minutes without activity. Please log in again.")
        return None
    state[_SEEN_KEY] = now
    return user  # type: ignore[no-any-return]


def logout(note: str | None = None) -> None:
    """Forget the login (and whatever the pages kept for it)."""
    for key in list(st.session_state.keys()):
        if key == _USER_KEY or key == _SEEN_KEY or str(key).startswith("clinic_"):
            del st.session_state[key]
    if note:
        st.session_state[_NOTE_KEY] = note


def attempt(db: Database, username: str, password: str) -> str | None:
    """Log in with these credentials; None on success, else what to tell the person."""
    username = username.strip()
    if not username or not password:
        return "Enter your username and password."
    wait = THROTTLE.locked_for(username)
    if wait > 0:
        return f"Too many wrong passwords for this username. Try again in {wait:.0f} s."
    user = login(db, username, password)
    if user is None:
        THROTTLE.failed(username)
        wait = THROTTLE.locked_for(username)
        if wait > 0:
            return f"Wrong username or password. Too many attempts: try again in {wait:.0f} s."
        return "Wrong username or password."
    THROTTLE.succeeded(username)
    st.session_state[_USER_KEY] = user
    st.session_state[_SEEN_KEY] = time.time()
    return None


def login_form(db: Database) -> None:
    """The login form; on success the page runs again, logged in."""
    note = st.session_state.pop(_NOTE_KEY, None)
    if note:
        st.info(note)
    with st.form("auth_login"):
        username = st.text_input("Username", key="auth_username")
        password = st.text_input("Password", type="password", key="auth_password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        problem = attempt(db, username, password)
        if problem:
            st.error(problem)
        else:
            st.rerun()


def logout_button(name: str) -> None:
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption(f"Logged in as {name}. You are logged out after {IDLE_LIMIT_S / 60:.0f} minutes without activity.")
    if right.button("Log out", key="auth_logout"):
        logout("You are logged out.")
        st.rerun()
