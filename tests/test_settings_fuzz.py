"""Property-based tests of the settings parsers: any text in an environment variable (or
any shape in secrets.toml) gives a setting or the project's own `SettingsError`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from coach import settings

FUZZ = hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Text as a person (or a script) may put in an environment variable.
env_text = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\s*-?[0-9]{0,6}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,4})?\s*", fullmatch=True),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "0x10", "1_000", "٣", "9" * 5000, "  ", "\x00"]),
)

_TURN_SECRET = "fuzz-secret-0123456789abcdef"
_TURN_URLS = "turn:turn.clinic.example:3478?transport=udp,turns:turn.clinic.example:5349"


def _turn_with(**fixed: str) -> Any:
    """`settings.turn_config` with the other TURN settings set, so the fuzzed one is what is judged."""
    return lambda environ: settings.turn_config(environ={**fixed, **environ})


PARSERS: list[tuple[str, Any]] = [
    (settings.KEEP_SESSIONS_ENV, settings.session_retention),
    (settings.KEEP_DAYS_ENV, settings.session_retention),
    (settings.MODEL_NICE_ENV, settings.model_process),
    (settings.MODEL_FPS_ENV, settings.model_fps),
    (settings.BENCH_STAMP_ENV, settings.bench_stamp),
    (settings.STUCK_AFTER_ENV, settings.stuck_after_s),
    (settings.PAUSE_LIMIT_ENV, settings.paused_session_limit_s),
    (settings.TURN_SECRET_ENV, _turn_with(**{settings.TURN_URLS_ENV: _TURN_URLS})),
    (settings.TURN_URLS_ENV, _turn_with(**{settings.TURN_SECRET_ENV: _TURN_SECRET})),
    (settings.TURN_LIFETIME_ENV, _turn_with(**{settings.TURN_SECRET_ENV: _TURN_SECRET,
                                               settings.TURN_URLS_ENV: _TURN_URLS})),
]


@pytest.mark.parametrize(("name", "parse"), PARSERS, ids=[p[0] for p in PARSERS])
@FUZZ
@given(text=env_text)
def test_numeric_settings_give_a_value_or_a_settings_error(name: str, parse: Any, text: str) -> None:
    try:
        value = parse({name: text})
    except settings.SettingsError as error:
        assert str(error).startswith(name + ":")  # the message names the setting
        if name == settings.TURN_SECRET_ENV and len(text.strip()) >= 8:
            assert text.strip() not in str(error)  # and never quotes the secret
        return
    if name == settings.MODEL_FPS_ENV:
        assert value is None or value > 0
    if name in (settings.STUCK_AFTER_ENV, settings.PAUSE_LIMIT_ENV):
        assert 0 < value <= settings.MAX_SETTING_S
    if name in (settings.KEEP_SESSIONS_ENV, settings.KEEP_DAYS_ENV):
        assert value.keep >= 0 and value.max_age_days >= 0
    if name == settings.TURN_SECRET_ENV:
        assert value is not None and len(value.secret) >= 16 and value.secret == text.strip()
    if name == settings.TURN_URLS_ENV:
        assert value is not None and all(u.startswith(("turn:", "turns:")) for u in value.urls)
    if name == settings.TURN_LIFETIME_ENV:
        assert value is not None and 60 <= value.lifetime_s <= 86400


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)
ice_like = st.lists(
    st.fixed_dictionaries({"urls": st.one_of(st.text(max_size=30), st.lists(st.text(max_size=30), max_size=3),
                                               st.sampled_from(["stun:h:3478", "turn:h:3478", "turns:h:5349"]))},
                          optional={"username": json_values, "credential": json_values}),
    max_size=4,
)


@FUZZ
@given(value=st.one_of(json_values, ice_like))
def test_ice_servers_from_json_give_servers_or_a_settings_error(value: Any) -> None:
    text = json.dumps(value)
    try:
        servers = settings.ice_servers(environ={settings.ICE_ENV: text})
    except settings.SettingsError as error:
        assert str(error).startswith(settings.ICE_ENV + ":")
        return
    for server in servers:
        assert server["urls"] and all(u.startswith(("stun:", "stuns:", "turn:", "turns:")) for u in server["urls"])


@FUZZ
@given(text=st.text(max_size=200))
def test_ice_servers_from_any_text_give_servers_or_a_settings_error(text: str) -> None:
    try:
        settings.ice_servers(environ={settings.ICE_ENV: text})
    except settings.SettingsError:
        pass


def test_hostile_ice_server_text_is_a_settings_error() -> None:
    for text in ("[" * 100_000, '{"urls": "stun:a"}' + " " * 10, "9" * 5000, "NaN", "[1e999]"):
        try:
            settings.ice_servers(environ={settings.ICE_ENV: text})
        except settings.SettingsError as error:
            assert settings.ICE_ENV in str(error)


def test_ice_servers_from_secrets_of_any_shape(tmp_path: Any) -> None:
    for configured in ([{"urls": 5}], {"urls": ["turn:x:3478"], "username": {"a": 1}}, [[["deep"]]], "stun:x"):
        try:
            settings.ice_servers(secrets={settings.ICE_SECRET_KEY: configured}, environ={})
        except settings.SettingsError as error:
            assert "secrets.toml" in str(error)
