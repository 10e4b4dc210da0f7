"""Time-limited TURN credentials (coturn's `use-auth-secret`): the username carries its expiry,
the password is base64(HMAC-SHA1(secret, username)), and the live page's ICE servers carry one
when TURN is configured.

The expected values are computed here independently, with hmac/hashlib, as coturn does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path

import pytest

from coach import settings, turn

SECRET = "test-secret-for-coturn-0123456789"
URLS = "turn:turn.clinic.example:3478?transport=udp,turns:turn.clinic.example:5349"
ENV = {settings.TURN_SECRET_ENV: SECRET, settings.TURN_URLS_ENV: URLS}
NOW = 1_800_000_000  # a fixed unix time, 2027-01-15


def test_credential_matches_an_independent_hmac_sha1() -> None:
    config = turn.TurnConfig(secret=SECRET, urls=("turn:turn.clinic.example:3478",), lifetime_s=3600)
    server = turn.turn_server(config, "a1b2c3", now=NOW)
    assert server["username"] == f"{NOW + 3600}:a1b2c3"
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{NOW + 3600}:a1b2c3".encode(), hashlib.sha1).digest())
    assert server["credential"] == expected.decode()
    assert server["urls"] == ["turn:turn.clinic.example:3478"]


def test_known_vector() -> None:
    """A fixed username and secret give a fixed password (computed once with hmac, written out)."""
    username, secret = "1700000000:patient", "north"
    digest = hmac.new(b"north", b"1700000000:patient", hashlib.sha1).digest()
    assert turn.credential_for(username, secret) == base64.b64encode(digest).decode()
    assert len(base64.b64decode(turn.credential_for(username, secret))) == 20  # SHA-1's size


def test_expired_credential_is_detectably_expired() -> None:
    config = turn.TurnConfig(secret=SECRET, urls=("turn:h:3478",), lifetime_s=60)
    username = turn.turn_server(config, "u", now=NOW)["username"]
    assert turn.expiry_of(username) == NOW + 60
    assert not turn.is_expired(username, now=NOW + 59)
    assert turn.is_expired(username, now=NOW + 60)
    with pytest.raises(ValueError):
        turn.expiry_of("static-user")


def test_secret_is_not_in_the_config_repr() -> None:
    config = turn.TurnConfig(secret=SECRET, urls=("turn:h:3478",))
    assert SECRET not in repr(config) and SECRET not in str(config)


def test_settings_from_the_environment() -> None:
    config = settings.turn_config(environ=ENV)
    assert config is not None
    assert config.urls == ("turn:turn.clinic.example:3478?transport=udp", "turns:turn.clinic.example:5349")
    assert config.lifetime_s == 3600
    assert settings.turn_config(environ={**ENV, settings.TURN_LIFETIME_ENV: "600"}).lifetime_s == 600  # type: ignore[union-attr]
    assert settings.turn_config(environ={}) is None


def test_settings_from_secrets_toml_and_the_env_wins() -> None:
    secrets = {"turn_secret": SECRET, "turn_urls": ["turns:turn.clinic.example:5349"], "turn_lifetime_s": 900}
    config = settings.turn_config(secrets=secrets, environ={})
    assert config is not None and config.urls == ("turns:turn.clinic.example:5349",) and config.lifetime_s == 900
    config = settings.turn_config(secrets=secrets, environ={settings.TURN_URLS_ENV: "turn:other:3478"})
    assert config is not None and config.urls == ("turn:other:3478",)


@pytest.mark.parametrize(("environ", "named", "says"), [
    ({settings.TURN_URLS_ENV: URLS}, settings.TURN_SECRET_ENV, "secret is not"),
    ({settings.TURN_SECRET_ENV: SECRET}, settings.TURN_URLS_ENV, "not the TURN server's URLs"),
    ({**ENV, settings.TURN_SECRET_ENV: "short"}, settings.TURN_SECRET_ENV, "at least 16"),
    ({**ENV, settings.TURN_URLS_ENV: "stun:turn.clinic.example:3478"}, settings.TURN_URLS_ENV, "not a TURN URL"),
    ({**ENV, settings.TURN_URLS_ENV: "https://turn.clinic.example"}, settings.TURN_URLS_ENV, "not a TURN URL"),
    ({**ENV, settings.TURN_URLS_ENV: " , "}, settings.TURN_URLS_ENV, "no TURN URL"),
    ({**ENV, settings.TURN_LIFETIME_ENV: "10"}, settings.TURN_LIFETIME_ENV, "from 60 to 86400"),
    ({**ENV, settings.TURN_LIFETIME_ENV: "1h"}, settings.TURN_LIFETIME_ENV, "whole number"),
])
def test_bad_settings_are_named(environ: dict[str, str], named: str, says: str) -> None:
    with pytest.raises(settings.SettingsError) as raised:
        settings.turn_config(environ=environ)
    assert str(raised.value).startswith(named + ":") and says in str(raised.value)
    assert SECRET not in str(raised.value)


def test_live_ice_servers_put_turn_first_and_fall_back() -> None:
    stun = '[{"urls": "stun:stun.clinic.example:3478"}]'
    servers = settings.live_ice_servers("s1", environ={**ENV, settings.ICE_ENV: stun}, now=NOW)
    assert [s["urls"] for s in servers] == [["turn:turn.clinic.example:3478?transport=udp",
                                             "turns:turn.clinic.example:5349"],
                                            ["stun:stun.clinic.example:3478"]]
    assert servers[0]["username"] == f"{NOW + 3600}:s1"
    assert servers[0]["credential"] == turn.credential_for(servers[0]["username"], SECRET)
    # Without TURN: the ICE server setting alone, as before.
    assert settings.live_ice_servers("s1", environ={settings.ICE_ENV: stun}) == [{"urls": ["stun:stun.clinic.example:3478"]}]
    assert settings.live_ice_servers("s1", environ={}) == []


def test_live_page_hands_the_browser_a_time_limited_turn_credential(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The Live page (run headless) gives the camera a TURN server whose username expires in an
    hour and whose password coturn accepts; a rerun keeps the same credential (the camera
    component's configuration does not change under it)."""
    from streamlit.testing.v1 import AppTest

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "coach-data"))
    monkeypatch.setenv(settings.DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'clinic.db'}")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    _, servers = at.session_state["live_ice_servers"]
    first = servers[0]
    assert first["urls"][0].startswith("turn:turn.clinic.example")
    assert 3500 < turn.expiry_of(first["username"]) - time.time() <= 3600
    assert first["credential"] == turn.credential_for(first["username"], SECRET)
    at.run()
    assert at.session_state["live_ice_servers"][1][0] == first
