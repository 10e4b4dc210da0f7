"""The clinic deployment (deploy/, docs/deploy.md), checked as far as this machine allows.

There is no Docker daemon and no public network here, so the images and real certificates are not tried.
What is tried: the files' shape (compose services, the app published to nothing but the
proxy, coturn's `use-auth-secret` with no secret in any file, the proxies' WebSocket
handling); Debian's nginx checking the nginx snippet (`nginx -t`) and Debian's Caddy reading the
Caddyfile, each then run in front of the app, passing health and Streamlit's WebSocket; Debian's coturn started
with `deploy/turnserver.conf`, granting a relay to the app's time-limited credential and
refusing an expired one; and the app started with the deployment's own settings
(`deploy/app.env.example`, placeholders replaced) on a real PostgreSQL, bound to 127.0.0.1,
serving `/_stcore/health`, with the Live page's ICE servers carrying a TURN credential.
Each part that needs a Debian package (nginx-light, caddy, coturn, postgresql) is skipped without it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import browser  # tests/browser.py
import pytest
from store_db import _pg_database, pg_server  # noqa: F401  (fixture)
from test_localhost_only import listening

from coach import settings, turn

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SERVICES = {"app", "db", "caddy", "coturn"}
APP_PORT = 8501


def env_file(path: Path) -> dict[str, str]:
    """NAME=value lines of an env file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f"{path.name}: not NAME=value: {line!r}"
            values[name] = value
    return values


def conf_lines(path: Path) -> list[tuple[str, str]]:
    """(option, value) of each line of a coturn config."""
    found = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            found.append((name.strip(), value.strip()))
    return found


# ---------------------------------------------------------------- the files


def test_compose_names_the_services_and_publishes_only_the_proxy() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        yaml = None
    if yaml is not None:
        compose = yaml.safe_load(text)
        services = compose["services"]
        assert set(services) == SERVICES
        assert "ports" not in services["app"] and "ports" not in services["db"]
        assert compose["networks"]["db"]["internal"] is True
        assert "0.0.0.0" not in " ".join(p.split(":")[0] for p in services["caddy"]["ports"])
    # Without PyYAML (not a dependency): the same facts from the text's indentation.
    top = re.search(r"^services:\n((?:  .*\n|\n)*)", text, re.MULTILINE)
    assert top is not None
    blocks = dict(re.findall(r"^  (\w+):\n((?:    .*\n|\n)*)", top.group(1), re.MULTILINE))
    assert set(blocks) == SERVICES
    assert "ports:" not in blocks["app"] and "ports:" not in blocks["db"]
    assert "--server.address=0.0.0.0" in blocks["app"]  # inside its container only
    assert "ports:" in blocks["caddy"]
    assert re.search(r"^  db:\n    internal: true", text, re.MULTILINE)
    for name in ("app.env", "db.env", "turn.env"):
        assert f"env_file: {name}" in text and (DEPLOY / f"{name}.example").is_file()


def test_turnserver_conf_uses_time_limited_credentials_and_holds_no_secret() -> None:
    options = conf_lines(DEPLOY / "turnserver.conf")
    names = [name for name, _ in options]
    assert "use-auth-secret" in names and "no-cli" in names
    assert "static-auth-secret" not in names  # appended at start from turn.env, never in the file
    values = dict(options)
    assert values["realm"] and values["listening-port"] == "3478" and values["tls-listening-port"] == "5349"
    assert int(values["min-port"]) < int(values["max-port"])
    denied = {value for name, value in options if name == "denied-peer-ip"}
    for private in ("10.0.0.0-10.255.255.255", "172.16.0.0-172.31.255.255", "192.168.0.0-192.168.255.255",
                    "127.0.0.0-127.255.255.255", "169.254.0.0-169.254.255.255"):
        assert private in denied


def test_env_examples_name_real_settings_with_placeholders_only() -> None:
    app = env_file(DEPLOY / "app.env.example")
    known = {value for name, value in vars(settings).items() if name.endswith("_ENV") and isinstance(value, str)}
    assert {settings.DATABASE_URL_ENV, settings.DATA_DIR_ENV, settings.TURN_SECRET_ENV, settings.TURN_URLS_ENV,
            "STREAMLIT_SERVER_ADDRESS"} <= set(app)
    assert {n for n in app if n.startswith("STRETCH_COACH_")} <= known
    text = "\n".join((DEPLOY / f).read_text() for f in ("app.env.example", "db.env.example", "turn.env.example"))
    assert app[settings.TURN_SECRET_ENV] == env_file(DEPLOY / "turn.env.example")["TURN_SECRET"] == "CHANGE-ME-turn-secret"
    assert env_file(DEPLOY / "db.env.example")["POSTGRES_PASSWORD"] in app[settings.DATABASE_URL_ENV]
    assert "CHANGE-ME" in text
    # The example's own TURN settings parse (with a real-length secret in place of the placeholder).
    config = settings.turn_config(environ={**app, settings.TURN_SECRET_ENV: secrets.token_hex(32)})
    assert config is not None and all(u.split(":")[1].startswith("turn.clinic.example") for u in config.urls)


def test_caddyfile_proxies_to_the_app_port_with_stcore_paths() -> None:
    text = (DEPLOY / "Caddyfile").read_text()
    assert re.findall(r"reverse_proxy\s+app:(\d+)", text) == [str(APP_PORT), str(APP_PORT)]
    assert "handle /_stcore/*" in text
    assert f"--server.port={APP_PORT}" in (DEPLOY / "compose.yaml").read_text()


def test_caddyfile_is_valid_caddy_config() -> None:
    """Debian's Caddy (2.6) reads the Caddyfile: both routes go to the app, /_stcore/ unbuffered."""
    if shutil.which("caddy") is None:
        pytest.skip("Debian's caddy is not installed (apt-get install -y caddy)")
    result = subprocess.run(["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    dials = re.findall(r'"dial":\s*"([^"]+)"', json.dumps(config))
    assert dials == [f"app:{APP_PORT}", f"app:{APP_PORT}"]
    assert config["apps"]["http"]["servers"]["srv0"]["listen"] == [":443"]  # HTTPS


@pytest.fixture
def nginx_snippet(tmp_path: Path) -> Path:
    """deploy/nginx.conf in a minimal nginx main config, with a throw-away self-signed certificate."""
    if shutil.which("nginx") is None or shutil.which("openssl") is None:
        pytest.skip("Debian's nginx (apt-get install -y nginx-light) and openssl are needed for `nginx -t`")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=coach.clinic.example", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    snippet = (DEPLOY / "nginx.conf").read_text()
    snippet = snippet.replace("/etc/letsencrypt/live/coach.clinic.example/fullchain.pem", str(cert))
    snippet = snippet.replace("/etc/letsencrypt/live/coach.clinic.example/privkey.pem", str(key))
    (tmp_path / "coach.conf").write_text(snippet)
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                    f"http {{\n  access_log off;\n  include {tmp_path}/coach.conf;\n}}\n")
    return main


def test_nginx_snippet_passes_nginx_t_and_upgrades_websockets(nginx_snippet: Path) -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    stcore = text[text.index("location /_stcore/"):]
    stcore = stcore[:stcore.index("}")]
    assert "proxy_set_header Upgrade $http_upgrade;" in stcore
    assert "proxy_set_header Connection $connection_upgrade;" in stcore
    assert f"proxy_pass http://127.0.0.1:{APP_PORT};" in stcore
    result = subprocess.run(["nginx", "-t", "-c", str(nginx_snippet), "-p", str(nginx_snippet.parent),
                             "-e", str(nginx_snippet.parent / "error.log")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


# ---------------------------------------------------------------- coturn


@pytest.fixture
def coturn() -> Iterator[tuple[int, str]]:
    """Debian's coturn with deploy/turnserver.conf on 127.0.0.1 (no TLS): (port, secret)."""
    if shutil.which("turnserver") is None:
        pytest.skip("Debian's coturn is not installed (apt-get install -y coturn)")
    secret = secrets.token_hex(32)
    port = browser.free_port()
    folder = Path(tempfile.mkdtemp(prefix="coach-turn-"))
    log = (folder / "turn.log").open("w")
    process = subprocess.Popen(
        ["turnserver", "-c", str(DEPLOY / "turnserver.conf"), f"--static-auth-secret={secret}",
         "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}", "--no-tls",
         "--no-dtls", "--no-tcp", "--log-file=stdout", f"--pidfile={folder}/turn.pid",
         f"--userdb={folder}/turndb"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        browser.wait_until(lambda: process.poll() is not None or "Total General servers" in
                           (folder / "turn.log").read_text(), 30, what="coturn to start")
        assert process.poll() is None, (folder / "turn.log").read_text()[-2000:]
        yield port, secret
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


async def _allocate(port: int, username: str, password: str) -> tuple[str, int]:
    import aioice.turn

    transport, _ = await aioice.turn.create_turn_endpoint(
        asyncio.DatagramProtocol, server_addr=("127.0.0.1", port), username=username, password=password,
        lifetime=60)
    try:
        return transport.get_extra_info("sockname")
    finally:
        transport.close()


def test_coturn_relays_for_the_apps_credential_and_refuses_an_expired_one(coturn: tuple[int, str]) -> None:
    port, secret = coturn
    config = turn.TurnConfig(secret=secret, urls=(f"turn:127.0.0.1:{port}",), lifetime_s=60)
    server = turn.turn_server(config, "smoke")
    relayed = asyncio.run(asyncio.wait_for(_allocate(port, server["username"], server["credential"]), 20))
    values = dict(conf_lines(DEPLOY / "turnserver.conf"))
    assert int(values["min-port"]) <= relayed[1] <= int(values["max-port"])  # the config's relay range
    expired = turn.turn_server(config, "smoke", now=time.time() - 120)
    assert turn.is_expired(expired["username"])
    with pytest.raises(Exception, match="401"):
        asyncio.run(asyncio.wait_for(_allocate(port, expired["username"], expired["credential"]), 20))
    wrong = turn.turn_server(turn.TurnConfig(secret="another-secret-0123456789", urls=config.urls), "smoke")
    with pytest.raises(Exception, match="401"):
        asyncio.run(asyncio.wait_for(_allocate(port, wrong["username"], wrong["credential"]), 20))


# ---------------------------------------------------------------- the app


@pytest.fixture
def deployment_env(pg_server: tuple[str, int], tmp_path: Path) -> dict[str, str]:  # noqa: F811
    """deploy/app.env.example with its placeholders replaced by a real PostgreSQL and secret."""
    env = env_file(DEPLOY / "app.env.example")
    env[settings.DATABASE_URL_ENV] = _pg_database(pg_server)
    env[settings.TURN_SECRET_ENV] = secrets.token_hex(32)
    env[settings.DATA_DIR_ENV] = str(tmp_path / "data")
    env["STREAMLIT_SERVER_ADDRESS"] = "127.0.0.1"  # no container here: behind the proxy on this host
    env.pop("STREAMLIT_SERVER_PORT")  # the test picks a free port
    assert not any("CHANGE-ME" in value for value in env.values())
    return env


def test_app_with_the_deployment_settings_serves_health_behind_the_proxy(deployment_env: dict[str, str],
                                                                         tmp_path: Path) -> None:
    with browser.streamlit_process(deployment_env, log_path=tmp_path / "app.log",
                                   address="127.0.0.1") as (url, process):
        with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as response:
            assert response.status == 200 and response.read() == b"ok"
        sockets = browser.wait_until(lambda: listening(process.pid), 10, what="the app's listening sockets")
        assert {address for address, _ in sockets} == {"127.0.0.1"}  # only the proxy on this host reaches it


def test_live_page_with_the_deployment_settings_offers_a_time_limited_turn_server(
        deployment_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The Live page, run headless on the deployment's PostgreSQL, gives the camera the TURN
    server with a username that expires in an hour and the password coturn computes."""
    from streamlit.testing.v1 import AppTest

    from coach.store import accounts
    from coach.store.database import open_database

    db = open_database(deployment_env[settings.DATABASE_URL_ENV])
    try:
        accounts.add_patient(db, "Ann Example", "ann", "correct horse battery")
    finally:
        db.close()
    for name, value in deployment_env.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(browser.ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.text_input(key="auth_username")  # the accounts on PostgreSQL: the login is offered
    _, servers = at.session_state["live_ice_servers"]
    first = servers[0]
    assert first["urls"][0] == "turn:turn.clinic.example:3478?transport=udp"
    assert 3500 < turn.expiry_of(first["username"]) - time.time() <= 3600
    secret = deployment_env[settings.TURN_SECRET_ENV].encode()
    expected = base64.b64encode(hmac.new(secret, first["username"].encode(), hashlib.sha1).digest()).decode()
    assert first["credential"] == expected
    assert deployment_env[settings.TURN_SECRET_ENV] not in repr(servers)
    assert os.environ[settings.TURN_SECRET_ENV] == deployment_env[settings.TURN_SECRET_ENV]


def _websocket_handshake(port: int, path: str, tls: ssl.SSLContext | None = None) -> str:
    """The status line a server answers to a WebSocket upgrade request on 127.0.0.1:port."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
    with contextlib.ExitStack() as stack:
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
        if tls is not None:
            sock = stack.enter_context(tls.wrap_socket(sock, server_hostname="coach.clinic.example"))
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def test_caddy_in_front_of_the_app_passes_health_and_the_websocket(deployment_env: dict[str, str],
                                                                   tmp_path: Path) -> None:
    """Debian's Caddy run with the Caddyfile (its site address and upstream changed to local
    ports, plain HTTP: no certificate can be had here) in front of the app started with the
    deployment's settings: health answers through it and Streamlit's WebSocket upgrades (101)."""
    if shutil.which("caddy") is None:
        pytest.skip("Debian's caddy is not installed (apt-get install -y caddy)")
    with browser.streamlit_process(deployment_env, log_path=tmp_path / "app.log", address="127.0.0.1") as (url, _):
        app_port = int(url.rsplit(":", 1)[1])
        proxy_port = browser.free_port()
        caddyfile = (DEPLOY / "Caddyfile").read_text()
        caddyfile = caddyfile.replace("coach.clinic.example {", f"http://127.0.0.1:{proxy_port} {{")
        caddyfile = caddyfile.replace(f"app:{APP_PORT}", f"127.0.0.1:{app_port}")
        assert f"127.0.0.1:{app_port}" in caddyfile
        (tmp_path / "Caddyfile").write_text("{\n\tadmin off\n}\n" + caddyfile)
        log = (tmp_path / "caddy.log").open("w")
        caddy = subprocess.Popen(["caddy", "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
                                 env={**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
                                      "XDG_CONFIG_HOME": str(tmp_path / "config")},
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proxied = f"http://127.0.0.1:{proxy_port}"
            browser.wait_until(lambda: caddy.poll() is not None or browser._healthy(proxied), 30,
                               what="the app's health through Caddy")
            assert caddy.poll() is None, (tmp_path / "caddy.log").read_text()[-2000:]
            with urllib.request.urlopen(proxied + "/_stcore/health", timeout=10) as response:
                assert response.read() == b"ok"
                assert response.headers["Strict-Transport-Security"]  # the Caddyfile's headers apply
            assert " 101 " in _websocket_handshake(proxy_port, "/_stcore/stream") + " "
        finally:
            caddy.terminate()
            caddy.wait(timeout=10)
            log.close()


def test_nginx_in_front_of_the_app_passes_health_and_the_websocket(deployment_env: dict[str, str],
                                                                   nginx_snippet: Path, tmp_path: Path) -> None:
    """Debian's nginx run with the nginx snippet (local ports, a throw-away certificate) in front
    of the app: health answers over HTTPS and Streamlit's WebSocket upgrades (101)."""
    with browser.streamlit_process(deployment_env, log_path=tmp_path / "app.log", address="127.0.0.1") as (url, _):
        app_port = int(url.rsplit(":", 1)[1])
        https_port, http_port = browser.free_port(), browser.free_port()
        snippet = nginx_snippet.parent / "coach.conf"
        text = snippet.read_text().replace(f"127.0.0.1:{APP_PORT}", f"127.0.0.1:{app_port}")
        text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
        text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        snippet.write_text(text)
        folder = nginx_snippet.parent
        nginx = subprocess.Popen(["nginx", "-c", str(nginx_snippet), "-p", str(folder), "-e", str(folder / "error.log"),
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE  # the throw-away self-signed certificate

        def health() -> bytes | None:
            if nginx.poll() is not None:
                return b"exited"
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{https_port}/_stcore/health", timeout=2,
                                            context=tls) as response:
                    return response.read()
            except OSError:
                return None

        try:
            answer = browser.wait_until(health, 30, what="the app's health through nginx")
            assert answer == b"ok", (folder / "error.log").read_text()[-2000:]
            assert " 101 " in _websocket_handshake(https_port, "/_stcore/stream", tls) + " "
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
