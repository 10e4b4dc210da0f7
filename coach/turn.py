"""Time-limited TURN credentials (the "TURN REST API" scheme coturn checks with `use-auth-secret`).

A clinic's coturn server and this app share one secret. For each browser session the app
makes a username `"<expiry unix time>:<user id>"` and a password
`base64(HMAC-SHA1(secret, username))`; coturn recomputes the HMAC and refuses the username
once its time has passed. So no long-lived TURN password ever reaches a browser, and a
credential copied out of one expires by itself. The secret is never logged: `TurnConfig`
leaves it out of its repr.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LIFETIME_S = 3600
MIN_LIFETIME_S = 60
MAX_LIFETIME_S = 86400
MIN_SECRET_CHARS = 16


@dataclass(frozen=True)
class TurnConfig:
    """The shared secret, the TURN server's URLs and how long a credential lasts."""

    secret: str = field(repr=False)
    urls: tuple[str, ...]
    lifetime_s: int = DEFAULT_LIFETIME_S


def credential_for(username: str, secret: str) -> str:
    """The password coturn expects for `username`: base64(HMAC-SHA1(secret, username))."""
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def turn_server(config: TurnConfig, user_id: str, now: float | None = None) -> dict[str, Any]:
    """An RTCIceServer dict whose credential is valid for `config.lifetime_s` from `now`."""
    if ":" in user_id:
        raise ValueError("a TURN user id cannot contain ':' (it separates the expiry time)")
    expiry = int(time.time() if now is None else now) + config.lifetime_s
    username = f"{expiry}:{user_id}"
    return {"urls": list(config.urls), "username": username, "credential": credential_for(username, config.secret)}


def expiry_of(username: str) -> int:
    """The unix time a time-limited TURN username stops being accepted."""
    head, sep, _ = username.partition(":")
    if not sep or not head.isdigit():
        raise ValueError(f"not a time-limited TURN username: {username!r}")
    return int(head)


def is_expired(username: str, now: float | None = None) -> bool:
    """True once coturn would refuse this username (its expiry time has passed)."""
    return expiry_of(username) <= (time.time() if now is None else now)
