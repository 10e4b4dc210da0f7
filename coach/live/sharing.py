"""Live shares: a patient lets their therapist watch one live session, for a limited time.

One process-wide, lock-guarded `ShareRegistry` maps a short random code to a `Share`: the
patient, the therapists who may watch, where to read the session's `LiveSnapshot` and its
annotated output track. It is the only thing the patient's and the therapists' browser
sessions have in common: neither touches the other's ``st.session_state``, and no video
thread touches any.

The video reaches a viewer through streamlit-webrtc's relay (aiortc's `MediaRelay`): the
patient's processed track is already read once by the relay for the patient's own
connection; a viewer adds one more subscriber to it (`ViewerTrack`), so the patient's
callback, pose model and encoder do no more work for any number of viewers. Each viewer's
copy is unbuffered (newest frame only: a slow viewer drops frames, it never queues them).

A share ends when the patient ends it, when its time is up, when the session it was made
for ends (End session, its summary, a stream stopped for good, a restart), or when the
patient logs out. Ending it stops every viewer's video at its next frame. Nothing is
recorded: a share keeps references to live objects only, never a frame or a number.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from coach.live.snapshot import LiveSnapshot

#: Codes are read out over the phone: no 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
DEFAULT_MAX_S = 60 * 60.0

ENDED_BY_PATIENT = "The patient ended sharing."
ENDED_EXPIRED = "The share's time is up."
ENDED_SESSION = "The session ended."
ENDED_LOGGED_OUT = "The patient logged out."
ENDED_REPLACED = "The patient started a new share."


class Relay(Protocol):
    """What a share needs of aiortc's `MediaRelay` (streamlit-webrtc's global one in the app)."""

    def subscribe(self, track: MediaStreamTrack, buffered: bool = True) -> MediaStreamTrack: ...


class ShareRefused(Exception):
    """Why this viewer gets no stream (the message is for them, as it is)."""


@dataclass(frozen=True)
class Viewer:
    """Who asks to watch: a logged-in user (`coach.store.accounts.User`'s role and id) and their name."""

    role: str
    id: int
    name: str


@dataclass
class Share:
    """One share (mutable; only `ShareRegistry` changes it, under its lock)."""

    code: str
    patient_id: int
    patient_name: str
    therapist_ids: frozenset[int]
    expires_at: float
    snapshot: Callable[[], LiveSnapshot]
    track: Callable[[], MediaStreamTrack | None]
    #: A session already finished when sharing was turned on: the share is for the next one.
    skip_session: int = 0
    session_id: int | None = None  # the session it is for, once one runs
    ended: str | None = None
    #: Set when the share ends: read without a lock by every viewer's track on each frame.
    gate: threading.Event = field(default_factory=threading.Event)
    viewers: dict[int, ViewerTrack] = field(default_factory=dict)  # id(track) -> live viewer tracks


@dataclass(frozen=True)
class ShareStatus:
    """A share as its patient or a viewer sees it now."""

    code: str
    patient_id: int
    patient_name: str
    remaining_s: float
    ended: str | None
    watching: tuple[str, ...]  # names of the viewers whose video is on

    @property
    def live(self) -> bool:
        return self.ended is None


class ViewerTrack(MediaStreamTrack):
    """One viewer's copy of the patient's output track, closed when the share ends.

    Its `recv` runs on aiortc's event loop: it waits for the relay's newest frame and
    checks the share's gate (an `Event` flag read, no lock); once the gate is set it stops
    its relay subscription and ends, which ends the viewer's outgoing video.
    """

    kind = "video"
    #: streamlit-webrtc calls the hook below when the viewer's WebRTC session ends (tab closed,
    #: connection lost), as for its own factory-made tracks: the viewer leaves the "watching" list.
    _streamlit_webrtc_lifecycle_scope = "webrtc-session"

    def __init__(self, source: MediaStreamTrack, gate: threading.Event, viewer: Viewer,
                 on_end: Callable[[ViewerTrack], None]) -> None:
        super().__init__()
        self._source = source
        self._gate = gate
        self.viewer = viewer
        self._on_end = on_end
        self._loop: asyncio.AbstractEventLoop | None = None
        self.frames = 0

    def _streamlit_webrtc_reset_on_session_end(self) -> None:
        """Stop on aiortc's loop (the relay's subscriber sets are only changed there)."""
        loop = self._loop
        if loop is None:
            self.stop()  # never received: its relay subscription never started
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self.stop)

    async def recv(self) -> Any:
        self._loop = asyncio.get_running_loop()
        if self.readyState != "live" or self._gate.is_set():
            self.stop()
            raise MediaStreamError
        frame = await self._source.recv()  # raises MediaStreamError when the patient's stream ends
        if self._gate.is_set():
            self.stop()
            raise MediaStreamError
        self.frames += 1
        return frame

    def stop(self) -> None:
        if self.readyState == "live":
            super().stop()
            self._source.stop()
            self._on_end(self)


class ShareRegistry:
    """Every live share of this server process (one instance: `REGISTRY`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_s: float = DEFAULT_MAX_S) -> None:
        self.clock = clock
        self.max_s = max_s
        self._lock = threading.Lock()
        self._shares: dict[str, Share] = {}

    # ------------------------------------------------------------ the patient's side
    def start(self, patient_id: int, patient_name: str, therapist_ids: frozenset[int],
              snapshot: Callable[[], LiveSnapshot], track: Callable[[], MediaStreamTrack | None],
              max_s: float | None = None) -> str:
        """A new share of this patient's live session; returns its code. Any older share of the
        same patient ends (one at a time). Refused for a patient with no therapist assigned."""
        if not therapist_ids:
            raise ShareRefused("Only a patient with an assigned therapist can share a session.")
        now_snap = snapshot()
        with self._lock:
            for old in [s for s in self._shares.values() if s.patient_id == patient_id and s.ended is None]:
                self._end_locked(old, ENDED_REPLACED)
            code = self._new_code_locked()
            self._shares[code] = Share(
                code=code, patient_id=patient_id, patient_name=patient_name, therapist_ids=therapist_ids,
                expires_at=self.clock() + (self.max_s if max_s is None else max_s),
                snapshot=snapshot, track=track,
                skip_session=now_snap.session_id if now_snap.done else 0,
            )
            self._drop_old_locked()
            return code

    def set_track(self, code: str, track: Callable[[], MediaStreamTrack | None]) -> None:
        """Where to find the patient's output track (the page hands its camera component's)."""
        with self._lock:
            share = self._shares.get(code)
            if share is not None:
                share.track = track

    def end(self, code: str, reason: str = ENDED_BY_PATIENT) -> None:
        """End a share now (every viewer's video stops at its next frame)."""
        with self._lock:
            share = self._shares.get(code)
            if share is not None:
                self._end_locked(share, reason)

    def status(self, code: str) -> ShareStatus | None:
        """The share now (None: no such code). Checks its time and its session, ending it if due."""
        with self._lock:
            share = self._shares.get(code)
        if share is None:
            return None
        self._check(share)
        with self._lock:
            return ShareStatus(share.code, share.patient_id, share.patient_name,
                               max(0.0, share.expires_at - self.clock()), share.ended,
                               tuple(sorted({v.viewer.name for v in share.viewers.values()})))

    # ------------------------------------------------------------ a viewer's side
    def open(self, code: str, viewer: Viewer, assigned: Callable[[int], bool]) -> ShareStatus:
        """The share for this viewer, or `ShareRefused` saying why not.

        ``assigned(patient_id)``: whether this viewer is a therapist assigned to that patient
        (the database's answer now, not when the share was made).
        """
        code = normalise(code)
        if viewer.role != "therapist":
            raise ShareRefused("Only a therapist can watch a live session.")
        with self._lock:
            share = self._shares.get(code)
        if share is None:
            raise ShareRefused(f"No live session is shared with the code {code or '(empty)'}. Check the code "
                               "with your patient.")
        if viewer.id not in share.therapist_ids or not assigned(share.patient_id):
            raise ShareRefused("This session is shared only with the patient's own therapist; you are not "
                               "assigned to this patient.")
        status = self.status(code)
        assert status is not None
        if status.ended is not None:
            raise ShareRefused(f"This share has ended: {status.ended} Ask your patient to share again.")
        return status

    def snapshot(self, code: str, viewer: Viewer, assigned: Callable[[int], bool]) -> LiveSnapshot:
        """The patient's live snapshot, for an allowed viewer of a live share."""
        self.open(code, viewer, assigned)
        with self._lock:
            return self._shares[normalise(code)].snapshot()

    def current_track(self, code: str) -> MediaStreamTrack | None:
        """The patient's output track now (None: their camera is off)."""
        with self._lock:
            share = self._shares.get(normalise(code))
            getter = share.track if share is not None else None
        track = getter() if getter is not None else None
        return track if track is not None and track.readyState == "live" else None

    def subscribe(self, code: str, viewer: Viewer, assigned: Callable[[int], bool], relay: Relay) -> ViewerTrack | None:
        """A new `ViewerTrack` of the patient's output for an allowed viewer (None: the camera is off)."""
        self.open(code, viewer, assigned)
        source = self.current_track(code)
        if source is None:
            return None
        with self._lock:
            share = self._shares[normalise(code)]
            if share.ended is not None:
                raise ShareRefused(f"This share has ended: {share.ended}")
            track = ViewerTrack(relay.subscribe(source, buffered=False), share.gate, viewer, self._viewer_gone)
            share.viewers[id(track)] = track
            return track

    # ------------------------------------------------------------ inside
    def _check(self, share: Share) -> None:
        """End the share if its time is up or its session has ended (the snapshot is read outside our lock)."""
        if share.ended is not None:
            return
        snap = share.snapshot()
        with self._lock:
            if share.ended is not None:
                return
            if self.clock() >= share.expires_at:
                self._end_locked(share, ENDED_EXPIRED)
                return
            if share.session_id is None and snap.session_id and snap.session_id != share.skip_session:
                share.session_id = snap.session_id
            if share.session_id is not None and (snap.session_id != share.session_id or snap.done):
                self._end_locked(share, ENDED_SESSION)

    def _end_locked(self, share: Share, reason: str) -> None:
        if share.ended is None:
            share.ended = reason
            share.gate.set()
            share.viewers.clear()
            # Keep nothing of the session: the coach and the camera component can go.
            share.snapshot = LiveSnapshot
            share.track = _no_track

    def _viewer_gone(self, track: ViewerTrack) -> None:
        with self._lock:
            for share in self._shares.values():
                share.viewers.pop(id(track), None)

    def _new_code_locked(self) -> str:
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self._shares:
                return code

    def _drop_old_locked(self) -> None:
        """Forget shares ended (or expired) over an hour ago: a wrong code and an old one read the same."""
        now = self.clock()
        for code in [c for c, s in self._shares.items() if now > s.expires_at + 3600.0]:
            self._end_locked(self._shares[code], ENDED_EXPIRED)
            del self._shares[code]


def _no_track() -> MediaStreamTrack | None:
    return None


def normalise(code: str) -> str:
    """A code as typed: case and spaces do not matter."""
    return "".join(code.split()).upper()


REGISTRY = ShareRegistry()

__all__ = ["REGISTRY", "ShareRefused", "ShareRegistry", "ShareStatus", "Viewer", "ViewerTrack", "normalise"]
