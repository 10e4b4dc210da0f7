"""Database fixtures for the store tests: each test gets a fresh SQLite file or PostgreSQL database.

PostgreSQL: a real server started by the tests from Debian's `postgresql` binaries
(`initdb` into a temporary folder, `pg_ctl start` on a free port, listening only on
a Unix socket in that folder), stopped at the end. Run as root (CI), the server runs
as the `postgres` system user the package creates (PostgreSQL refuses root). Without
the binaries the PostgreSQL variants are skipped, saying how to install them.
Import the fixtures into a test module: `from store_db import db, db_url, pg_server  # noqa: F401`.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.store.database import Database, open_database

INSTALL_HINT = ("PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql "
                "(`apt-get install -y postgresql`; .ci/run does) to run the PostgreSQL variants")
_COUNTER = itertools.count()


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[tuple[str, int]]:
    """(socket folder, port) of a PostgreSQL server running for this test session."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip(INSTALL_HINT)
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as: " + INSTALL_HINT)
    folder = Path(tempfile.mkdtemp(prefix="coach-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    try:
        subprocess.run(_as_server_user([initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                                        "-E", "UTF8", "--no-sync"]), **run)
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-l", str(folder / "server.log"), "-w", "-o",
                                        f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off",
                                        "start"]), **run)
    except subprocess.CalledProcessError as error:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {error.stderr}\n{log}")
    try:
        yield str(folder), port
    finally:
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _pg_database(server: tuple[str, int]) -> str:
    import psycopg

    folder, port = server
    name = f"coach_test_{os.getpid()}_{next(_COUNTER)}"
    with psycopg.connect(host=folder, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@/{name}?host={folder}&port={port}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'coach.db'}"
    return _pg_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()
