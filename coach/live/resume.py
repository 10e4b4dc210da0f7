"""Live coaches that outlive their browser tab, so a page reload resumes the same session.

A `LiveCoach` lives in its tab's ``st.session_state``, which a reload throws away: the new
page would start a new coach, a new session and a new log while the old session sat paused.
So each coach is also kept in one process-wide, lock-guarded `ResumeRegistry` under a random
token that the page puts in its URL (``?live=...``). A page run without a coach but with that
token adopts the coach again: the same routine place, holds and session log.

A token alone is not enough: the coach is handed over only to the user it was made for (the
same logged-in account, or nobody logged in when it was made with nobody logged in). A coach
whose session has ended is dropped, never adopted; an entry its page has not refreshed for
``expire_s`` (the paused-session limit, after which the coach ends a paused session itself)
is dropped too. The registry keeps references only: it never closes a coach (the coach's own
pause timer ends a session nobody came back to) and never touches Streamlit.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Resumable(Protocol):
    """What the registry needs of a `LiveCoach`: whether its session has ended."""

    def snapshot(self) -> Any: ...


#: Who a coach was made for: (role, account id), or None with nobody logged in.
Owner = tuple[str, int] | None


@dataclass
class _Entry:
    coach: Resumable
    owner: Owner
    seen: float  # clock() of the last page run that kept or adopted it


def owner_of(user: Any) -> Owner:
    """The registry's owner key for a `coach.store.accounts.User` (or None)."""
    return None if user is None else (str(user.role), int(user.id))


class ResumeRegistry:
    """Token -> live coach, shared by every browser session of this server process."""

    def __init__(self, expire_s: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.expire_s = expire_s
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    @staticmethod
    def _ended(coach: Resumable) -> bool:
        return bool(coach.snapshot().done)

    def _prune_locked(self) -> None:
        now = self.clock()
        for token in [t for t, e in self._entries.items() if now - e.seen > self.expire_s]:
            del self._entries[token]

    def add(self, coach: Resumable, owner: Owner) -> str:
        """Register a new coach; returns its token (for the page's URL)."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._prune_locked()
            self._entries[token] = _Entry(coach, owner, self.clock())
        return token

    def keep(self, token: str, coach: Resumable, owner: Owner) -> None:
        """The owning page ran: the entry lives on (re-added if it had expired), for its current user."""
        with self._lock:
            self._prune_locked()
            self._entries[token] = _Entry(coach, owner, self.clock())

    def pending(self, token: str | None) -> bool:
        """A coach still resumable (not ended, not expired) is kept under this token, for whoever."""
        with self._lock:
            self._prune_locked()
            entry = self._entries.get(token) if token else None
            return entry is not None and not self._ended(entry.coach)

    def adopt(self, token: str | None, owner: Owner) -> Resumable | None:
        """The coach under ``token`` if it may be resumed by ``owner``, else None.

        An ended coach is dropped; a coach made for someone else is refused (and kept for them).
        """
        if not token:
            return None
        with self._lock:
            self._prune_locked()
            entry = self._entries.get(token)
            if entry is None:
                return None
            if self._ended(entry.coach):
                del self._entries[token]
                return None
            if entry.owner != owner:
                return None
            entry.seen = self.clock()
            return entry.coach

    def drop(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


#: The app's one registry (the page sets its expiry to the paused-session limit).
REGISTRY = ResumeRegistry()
