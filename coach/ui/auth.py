"""Who is using the therapist pages: login, rate-limited attempts, idle expiry, logout.

Passwords are checked by `coach.store.accounts.login` (Argon2id hashes). Failed attempts
are counted per username in one process-wide, lock-guarded `LoginThrottle` (not in
`st.session_state`, which a new browser tab would reset): after `MAX_FAILURES` wrong
passwords that username is locked for `LOCKOUT_S`, whatever the password. A login
lasts while the person uses the pages; `IDLE_LIMIT_S` without a page run ends it.

Single sign-on: when the app's secrets have Streamlit's `[auth]` section, the form also
offers "Log in with <provider>" (`st.login`). Whoever the provider vouches for (`st.user`)
is let in only as the account the clinic linked to that subject or e-mail
(`coach account link-oidc`); anyone else is refused, never given a new account.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import streamlit as st

from coach.store.accounts import User, login, oidc_account
from coach.store.database import Database

MAX_FAILURES = 5
LOCKOUT_S = 60.0
IDLE_LIMIT_S = 30 * 60.0
_USER_KEY = "auth_user"
_SEEN_KEY = "auth_last_seen"  # wall-clock time (time.time) of the last page run while logged in
_NOTE_KEY = "auth_note"
_SSO_KEY = "auth_sso"  # True while the login came from the identity provider (logging out ends it there too)
NOT_SET_UP = ("Your clinic account is not set up in Stretch Coach yet; ask your clinic to link it "
              "(your login at {provider} worked, but no Stretch Coach account belongs to it).")


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


def logout(note: str | None = None) -> bool:
    """Forget the login (and whatever the pages kept for it); a single-sign-on login also
    drops Streamlit's identity cookie (`st.logout`), or the next page run would log in again.
    True when the browser is being sent to Streamlit's logout (the page reloads by itself)."""
    sso = st.session_state.get(_SSO_KEY, False)
    for key in list(st.session_state.keys()):
        if key in (_USER_KEY, _SEEN_KEY, _SSO_KEY) or str(key).startswith("clinic_"):
            del st.session_state[key]
    if note:
        st.session_state[_NOTE_KEY] = note
    if sso:
        st.logout()
    return bool(sso)


# ---------------------------------------------------------------- single sign-on (OpenID Connect)


@dataclass(frozen=True)
class Provider:
    """One identity provider configured in the secrets' `[auth]` section."""

    key: str | None  # what `st.login` takes: None for the `[auth]` section's own settings
    label: str  # "Log in with <label>"


def _is_provider(section: Mapping[str, Any]) -> bool:
    return "client_id" in section and "server_metadata_url" in section


def providers_in(auth: Mapping[str, Any]) -> list[Provider]:
    """The providers Streamlit's `[auth]` secrets configure: the section's own (`st.login()`)
    and named `[auth.NAME]` ones (`st.login("NAME")`), labelled by name or by the provider's host."""
    found: list[Provider] = []
    if _is_provider(auth):
        host = urlparse(str(auth["server_metadata_url"])).hostname or "your clinic's login"
        found.append(Provider(None, host))
    for name, value in auth.items():
        if isinstance(value, Mapping) and _is_provider(value):
            found.append(Provider(str(name), str(name).replace("-", " ").title()))
    return found


def sso_providers() -> list[Provider]:
    """The configured identity providers ([] without an `[auth]` section or any secrets)."""
    try:
        auth = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets.toml at all: a laptop
        return []
    return providers_in(auth) if isinstance(auth, Mapping) else []


def account_for_identity(db: Database, identity: Mapping[str, Any], provider: str) -> User | str:
    """The linked account of whoever the provider logged in (`st.user`), or what to tell them."""
    sub = identity.get("sub")
    email = identity.get("email")
    verified = identity.get("email_verified")
    user = oidc_account(db, sub if isinstance(sub, str) else None, email if isinstance(email, str) else None,
                        verified if isinstance(verified, bool) else None)
    return user if user is not None else NOT_SET_UP.format(provider=provider)


def _sso_login(db: Database, providers: list[Provider]) -> str | None:
    """Log in whoever `st.user` holds; None on success, else the refusal."""
    found = account_for_identity(db, st.user, providers[0].label if len(providers) == 1 else "your clinic")
    if isinstance(found, str):
        return found
    st.session_state[_USER_KEY] = found
    st.session_state[_SEEN_KEY] = time.time()
    st.session_state[_SSO_KEY] = True
    return None


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
    providers = sso_providers()
    if providers and st.user.is_logged_in:
        refusal = _sso_login(db, providers)
        if refusal is None:
            st.rerun()
        st.error(refusal)
        if st.button("Log out of the clinic login", key="auth_sso_logout"):
            st.logout()
        return
    for provider in providers:
        if st.button(f"Log in with {provider.label}", key=f"auth_sso_{provider.key or ''}", type="primary"):
            st.login(provider.key)
    if providers:
        st.caption("Or with a Stretch Coach username and password:")
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
        if not logout("You are logged out."):
            st.rerun()  # (a single-sign-on logout instead leaves the page for /auth/logout: a rerun would cancel it)
