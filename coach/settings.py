"""App settings: where files go, which pose model, ICE servers for WebRTC.

Every setting has a default that works on a laptop (localhost needs no ICE
servers); environment variables, and for ICE servers also
`.streamlit/secrets.toml`, change them for a deployment:

    STRETCH_COACH_DATA_DIR      base folder (default ~/.stretch_coach): live
                                session logs go to <base>/sessions, video
                                analyses to <base>/analyses
    STRETCH_COACH_MODEL         pose model: full (default), lite or a .task path
    STRETCH_COACH_MODEL_FPS     the live coach judges at most this many frames a
                                second (default 20; 0: as many as the model can);
                                every camera frame is still shown, drawn with the
                                newest result. Lower leaves more CPU to the video
    STRETCH_COACH_MODEL_NICE    CPU priority of the live coach's pose model process,
                                0-19 (default 10): higher leaves more of a busy
                                CPU to the video, lower keeps the skeleton fresher
    STRETCH_COACH_KEEP_SESSIONS keep at most this many live session logs (default
                                100; 0: no limit); older ones are deleted when a
                                session starts (`coach.retention`)
    STRETCH_COACH_KEEP_DAYS     delete live session logs older than this many days
                                (default 90; 0: keep them however old)
    STRETCH_COACH_POSES_DIR     the folder of stretch and routine files (default:
                                the project's poses/), e.g. a clinic's own set
    STRETCH_COACH_DATABASE_URL  the therapist-side database (`coach.store`):
                                default an SQLite file <base>/stretch_coach.db;
                                a clinic sets postgresql://user:pw@host/db
    STRETCH_COACH_ICE_SERVERS   JSON list of RTCIceServer objects, e.g.
                                [{"urls": ["stun:stun.l.google.com:19302"]},
                                 {"urls": "turn:turn.example.org:3478",
                                  "username": "u", "credential": "p"}]
    secrets.toml: ice_servers = [...]   (same shape; the env var wins)
    STRETCH_COACH_TURN_SECRET   coturn's static-auth-secret (`use-auth-secret`): the live
                                page then hands each browser a time-limited TURN
                                credential (`coach.turn`); never logged
    STRETCH_COACH_TURN_URLS     the TURN server's URLs, comma-separated, e.g.
                                turn:turn.clinic.example:3478?transport=udp,turns:turn.clinic.example:5349
    STRETCH_COACH_TURN_LIFETIME_S  how long a TURN credential lasts (default 3600, 60-86400)
    secrets.toml: turn_secret = "...", turn_urls = "..." or [...], turn_lifetime_s = 3600

    STRETCH_COACH_STUCK_AFTER_S a hold with no time counted for this long offers to
                                skip it or show the set-up again (default 45)
    STRETCH_COACH_PAUSE_LIMIT_S a live session paused because the camera stopped
                                (or the tab closed) ends after this long (default 600)
    STRETCH_COACH_SHARE_MINUTES a patient's "Let my therapist watch" share lasts at most
                                this many minutes (default 60, 1-1440); it ends with
                                the session anyway (`coach.live.sharing`)

Benchmark only (`tools/live_bench.py`; off by default, and free when off):

    STRETCH_COACH_BENCH_STAMP=1       the live video callback writes a time
                                      stamp bar code into every frame it returns
    STRETCH_COACH_LIVE_PASSTHROUGH=1  the callback returns the camera frame
                                      untouched (stamped): the bare pipeline
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Mapping

from coach.estimator_process import ProcessOptions
from coach.retention import Retention
from coach.sources import VIDEO_SUFFIXES
from coach.stretches import DEFAULT_POSES_DIR
from coach.turn import (
    DEFAULT_LIFETIME_S,
    MAX_LIFETIME_S,
    MIN_LIFETIME_S,
    MIN_SECRET_CHARS,
    TurnConfig,
    turn_server,
)

DATA_DIR_ENV = "STRETCH_COACH_DATA_DIR"
POSES_DIR_ENV = "STRETCH_COACH_POSES_DIR"
DATABASE_URL_ENV = "STRETCH_COACH_DATABASE_URL"
DATABASE_FILE = "stretch_coach.db"
ICE_ENV = "STRETCH_COACH_ICE_SERVERS"
ICE_SECRET_KEY = "ice_servers"
TURN_SECRET_ENV = "STRETCH_COACH_TURN_SECRET"
TURN_URLS_ENV = "STRETCH_COACH_TURN_URLS"
TURN_LIFETIME_ENV = "STRETCH_COACH_TURN_LIFETIME_S"
TURN_SECRET_KEY = "turn_secret"
TURN_URLS_KEY = "turn_urls"
TURN_LIFETIME_KEY = "turn_lifetime_s"
KEEP_SESSIONS_ENV = "STRETCH_COACH_KEEP_SESSIONS"
KEEP_DAYS_ENV = "STRETCH_COACH_KEEP_DAYS"
DEFAULT_KEEP_SESSIONS = 100
DEFAULT_KEEP_DAYS = 90
MODEL_NICE_ENV = "STRETCH_COACH_MODEL_NICE"
MODEL_FPS_ENV = "STRETCH_COACH_MODEL_FPS"
DEFAULT_MODEL_FPS = 20.0
STUCK_AFTER_ENV = "STRETCH_COACH_STUCK_AFTER_S"
DEFAULT_STUCK_AFTER_S = 45.0
PAUSE_LIMIT_ENV = "STRETCH_COACH_PAUSE_LIMIT_S"
DEFAULT_PAUSE_LIMIT_S = 600.0
MAX_SETTING_S = 86400.0
SHARE_MINUTES_ENV = "STRETCH_COACH_SHARE_MINUTES"
DEFAULT_SHARE_MINUTES = 60.0
MAX_SHARE_MINUTES = 1440.0
BENCH_STAMP_ENV = "STRETCH_COACH_BENCH_STAMP"
LIVE_PASSTHROUGH_ENV = "STRETCH_COACH_LIVE_PASSTHROUGH"
#: Largest video the Review page accepts (also `server.maxUploadSize` in .streamlit/config.toml).
MAX_UPLOAD_MB = 200
PROJECT_DIR = Path(__file__).resolve().parents[1]  # coach/settings.py -> the project folder
SAMPLE_VIDEOS_DIR = PROJECT_DIR / "sample_videos"
IMAGES_DIR = PROJECT_DIR / "docs" / "images"


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the setting."""


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or Path.home() / ".stretch_coach").expanduser()


def poses_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of stretch and routine files the app loads (default: the project's `poses/`)."""
    text = (os.environ if environ is None else environ).get(POSES_DIR_ENV, "").strip()
    return Path(text).expanduser() if text else DEFAULT_POSES_DIR


def sessions_dir() -> Path:
    """Where the live coach writes session logs."""
    return data_dir() / "sessions"


def analyses_dir() -> Path:
    """Where the Review page writes the results of analysed videos."""
    return data_dir() / "analyses"


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """The store's database: STRETCH_COACH_DATABASE_URL, else an SQLite file in the data folder."""
    text = (os.environ if environ is None else environ).get(DATABASE_URL_ENV, "").strip()
    return text or f"sqlite:///{data_dir() / DATABASE_FILE}"


def session_retention(environ: Mapping[str, str] | None = None) -> Retention:
    """How many live session logs to keep, and for how long (see `coach.retention`)."""
    environ = os.environ if environ is None else environ

    def number(name: str, default: float, integer: bool) -> float:
        text = environ.get(name, "").strip()
        if not text:
            return default
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise SettingsError(f"{name}: must be {kind} (0 for no limit), not {text!r}") from None
        if value < 0 or math.isnan(value):
            raise SettingsError(f"{name}: must be 0 (no limit) or more, not {text!r}")
        return value

    return Retention(keep=int(number(KEEP_SESSIONS_ENV, DEFAULT_KEEP_SESSIONS, True)),
                     max_age_days=float(number(KEEP_DAYS_ENV, DEFAULT_KEEP_DAYS, False)))


def model_process(environ: Mapping[str, str] | None = None) -> ProcessOptions:
    """How the live coach runs its pose model process (see `coach.estimator_process`)."""
    text = (os.environ if environ is None else environ).get(MODEL_NICE_ENV, "").strip()
    if not text:
        return ProcessOptions()
    try:
        return ProcessOptions(nice=int(text))  # ProcessOptions checks the range
    except ValueError:
        raise SettingsError(f"{MODEL_NICE_ENV}: must be a whole number from 0 to 19, not {text!r}") from None


def model_fps(environ: Mapping[str, str] | None = None) -> float | None:
    """Most frames a second the live coach judges (None: no limit)."""
    text = (os.environ if environ is None else environ).get(MODEL_FPS_ENV, "").strip()
    if not text:
        return DEFAULT_MODEL_FPS
    try:
        fps = float(text)
    except ValueError:
        raise SettingsError(f"{MODEL_FPS_ENV}: must be a number of frames a second (0: no limit), "
                            f"not {text!r}") from None
    if not math.isfinite(fps) or fps < 0:
        raise SettingsError(f"{MODEL_FPS_ENV}: must be 0 (no limit) or more, not {text!r}")
    return fps or None


def _seconds(name: str, default: float, environ: Mapping[str, str] | None) -> float:
    text = (os.environ if environ is None else environ).get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name}: must be a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or not 0 < value <= MAX_SETTING_S:
        raise SettingsError(f"{name}: must be more than 0 and at most {MAX_SETTING_S:g} seconds, not {text!r}")
    return value


def stuck_after_s(environ: Mapping[str, str] | None = None) -> float:
    """After this long in a hold without any time counted, the live page offers to skip it."""
    return _seconds(STUCK_AFTER_ENV, DEFAULT_STUCK_AFTER_S, environ)


def paused_session_limit_s(environ: Mapping[str, str] | None = None) -> float:
    """A live session paused because the camera stopped (or the tab closed) ends after this long."""
    return _seconds(PAUSE_LIMIT_ENV, DEFAULT_PAUSE_LIMIT_S, environ)


def share_max_s(environ: Mapping[str, str] | None = None) -> float:
    """How long a live share lasts at most, in seconds (the setting is in minutes)."""
    text = (os.environ if environ is None else environ).get(SHARE_MINUTES_ENV, "").strip()
    if not text:
        return DEFAULT_SHARE_MINUTES * 60.0
    try:
        minutes = float(text)
    except ValueError:
        raise SettingsError(f"{SHARE_MINUTES_ENV}: must be a number of minutes, not {text!r}") from None
    if not math.isfinite(minutes) or not 1 <= minutes <= MAX_SHARE_MINUTES:
        raise SettingsError(f"{SHARE_MINUTES_ENV}: must be 1 to {MAX_SHARE_MINUTES:g} minutes, not {text!r}")
    return minutes * 60.0


def _flag(name: str, environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(name, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def bench_stamp(environ: Mapping[str, str] | None = None) -> bool:
    """Benchmark only: stamp the callback's time into every returned frame (see `coach.live.bench_stamp`)."""
    return _flag(BENCH_STAMP_ENV, environ)


def live_passthrough(environ: Mapping[str, str] | None = None) -> bool:
    """Benchmark only: the live callback returns frames unprocessed (the bare WebRTC pipeline)."""
    return _flag(LIVE_PASSTHROUGH_ENV, environ)


#: Bounds on the ICE server setting (a handful of STUN/TURN servers is all a deployment needs).
MAX_ICE_TEXT = 10_000
MAX_ICE_SERVERS = 20


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_ice_servers(value: Any, where: str) -> list[dict[str, Any]]:
    """Validate a list of RTCIceServer dicts (JSON text or already parsed)."""
    if isinstance(value, str):
        if len(value) > MAX_ICE_TEXT:
            raise SettingsError(f"{where}: longer than {MAX_ICE_TEXT} characters")
        try:
            value = json.loads(value, parse_constant=_no_constant)
        except json.JSONDecodeError as error:
            raise SettingsError(f"{where}: not valid JSON ({error.msg})") from None
        except (RecursionError, ValueError):
            raise SettingsError(f"{where}: not valid JSON (nested too deeply, or a number out of range)") from None
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        raise SettingsError(f"{where}: must be a list of ICE servers")
    if len(value) > MAX_ICE_SERVERS:
        raise SettingsError(f"{where}: more than {MAX_ICE_SERVERS} ICE servers")
    servers = []
    for i, server in enumerate(value, start=1):
        if not isinstance(server, Mapping) or "urls" not in server:
            raise SettingsError(f"{where}: server {i} needs 'urls'")
        urls = server["urls"]
        if isinstance(urls, str):
            urls = [urls]
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            raise SettingsError(f"{where}: server {i}: 'urls' must be a URL or a list of URLs")
        if not all(u.startswith(("stun:", "stuns:", "turn:", "turns:")) for u in urls):
            raise SettingsError(f"{where}: server {i}: URLs must start with stun:, stuns:, turn: or turns:")
        entry: dict[str, Any] = {"urls": list(urls)}
        for key in ("username", "credential"):
            if key in server:
                if not isinstance(server[key], str):
                    raise SettingsError(f"{where}: server {i}: '{key}' must be text")
                entry[key] = server[key]
        servers.append(entry)
    return servers


def ice_servers(secrets: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """ICE servers for WebRTC: empty (localhost) unless configured."""
    environ = os.environ if environ is None else environ
    if environ.get(ICE_ENV, "").strip():
        return parse_ice_servers(environ[ICE_ENV], ICE_ENV)
    if secrets is not None:
        try:
            configured = secrets.get(ICE_SECRET_KEY)
        except Exception:  # noqa: BLE001 - no secrets.toml at all is the normal case
            configured = None
        if configured:
            return parse_ice_servers(_plain(configured), f"secrets.toml {ICE_SECRET_KEY}")
    return []


def _secret_value(secrets: Mapping[str, Any] | None, key: str) -> Any:
    if secrets is None:
        return None
    try:
        return _plain(secrets.get(key))
    except Exception:  # noqa: BLE001 - no secrets.toml at all is the normal case
        return None


MAX_TURN_URL_CHARS = 500


def _turn_urls(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise SettingsError(f"{where}: must be TURN URLs separated by commas (or a list in secrets.toml)")
    urls = tuple(u.strip() for u in value if u.strip())
    if not urls:
        raise SettingsError(f"{where}: no TURN URL given")
    if len(urls) > MAX_ICE_SERVERS:
        raise SettingsError(f"{where}: more than {MAX_ICE_SERVERS} URLs")
    for url in urls:
        scheme, _, rest = url.partition(":")
        host = rest.split("?", 1)[0].rsplit(":", 1)[0]
        if scheme not in ("turn", "turns") or not host:
            raise SettingsError(f"{where}: {url[:80]!r} is not a TURN URL (turn:HOST:PORT or turns:HOST:PORT)")
        if len(url) > MAX_TURN_URL_CHARS or not url.isprintable() or any(c.isspace() for c in url):
            raise SettingsError(f"{where}: {url[:80]!r} has spaces, control characters or is too long")
    return urls


def _turn_lifetime(value: Any, where: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_LIFETIME_S
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise SettingsError(f"{where}: must be a whole number of seconds")
    try:
        seconds = int(value.strip()) if isinstance(value, str) else value
    except ValueError:
        raise SettingsError(f"{where}: must be a whole number of seconds, not {value!r}") from None
    if not MIN_LIFETIME_S <= seconds <= MAX_LIFETIME_S:
        raise SettingsError(f"{where}: must be from {MIN_LIFETIME_S} to {MAX_LIFETIME_S} seconds, not {value!r}")
    return seconds


def turn_config(secrets: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> TurnConfig | None:
    """The TURN secret, URLs and lifetime (None when no TURN server is configured).

    Each comes from its environment variable, else from `.streamlit/secrets.toml`. Error
    messages name the setting but never quote the secret.
    """
    environ = os.environ if environ is None else environ

    def pick(env: str, key: str) -> tuple[Any, str]:
        text = environ.get(env, "")
        if text.strip():
            return text, env
        return _secret_value(secrets, key), f"secrets.toml {key}"

    secret, secret_where = pick(TURN_SECRET_ENV, TURN_SECRET_KEY)
    urls, urls_where = pick(TURN_URLS_ENV, TURN_URLS_KEY)
    lifetime, lifetime_where = pick(TURN_LIFETIME_ENV, TURN_LIFETIME_KEY)
    if not secret and not urls:
        return None
    if not secret:
        raise SettingsError(f"{TURN_SECRET_ENV}: {TURN_URLS_ENV} is set but the TURN secret is not "
                            "(coturn's static-auth-secret)")
    if not urls:
        raise SettingsError(f"{TURN_URLS_ENV}: the TURN secret is set but not the TURN server's URLs")
    if not isinstance(secret, str):
        raise SettingsError(f"{secret_where}: must be text")
    secret = secret.strip()
    if len(secret) < MIN_SECRET_CHARS or not secret.isprintable():
        raise SettingsError(f"{secret_where}: must be at least {MIN_SECRET_CHARS} printable characters "
                            "(e.g. `openssl rand -hex 32`)")
    return TurnConfig(secret=secret, urls=_turn_urls(urls, urls_where),
                      lifetime_s=_turn_lifetime(lifetime, lifetime_where))


def live_ice_servers(user_id: str, secrets: Mapping[str, Any] | None = None,
                     environ: Mapping[str, str] | None = None, now: float | None = None) -> list[dict[str, Any]]:
    """The live page's ICE servers: a time-limited TURN credential when TURN is configured,
    followed by any `STRETCH_COACH_ICE_SERVERS` (e.g. a STUN server); without TURN, just those."""
    config = turn_config(secrets, environ)
    configured = ice_servers(secrets, environ)
    if config is None:
        return configured
    return [turn_server(config, user_id, now), *configured]


def _plain(value: Any) -> Any:
    """Streamlit's secrets are read-only mapping types: turn them into dicts/lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def sample_videos(folder: Path | None = None) -> list[Path]:
    """The sample clips shipped with the app (may be none yet)."""
    folder = folder or SAMPLE_VIDEOS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())


def stretch_image(stretch_id: str, folder: Path | None = None) -> Path | None:
    """A rendered picture of the correct pose, if one exists."""
    path = (folder or IMAGES_DIR) / f"{stretch_id}.png"
    return path if path.is_file() else None
