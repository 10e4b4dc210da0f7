"""Opening the store's database: the URL, first-use creation, pragmas and migrations.

Embedded default: an SQLite file in the data folder (`coach.settings.database_url`),
created on first use as a private file (0600, folder 0700), in WAL mode (readers
do not wait for the writer) with foreign keys enforced. A clinic points
STRETCH_COACH_DATABASE_URL at PostgreSQL (`postgresql://...`, driven by psycopg 3).
Either way the schema is brought to the newest Alembic migration when opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from coach import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StoreError(ValueError):
    """Anything the store refuses or cannot do; the message is one line for a person."""


@dataclass
class Database:
    """An open store: an engine and a way to get transactions."""

    engine: Engine
    url: str

    def session(self) -> Session:
        return _SESSIONS(bind=self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed at the end, rolled back entirely on any error."""
        with self.session() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


_SESSIONS = sessionmaker(expire_on_commit=False)


def _driver_url(url: str) -> str:
    """postgresql:// and postgres:// mean psycopg 3 (the driver this app ships with)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _private_sqlite_file(path: Path) -> None:
    """Create the folder (0700) and an empty database file (0600) before SQLite opens it."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (`alembic upgrade head`, run in-process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def exists(url: str | None = None) -> bool:
    """False only for an SQLite store whose file was never created (a laptop without accounts):
    pages that merely ask "is anyone able to log in?" then need not create it."""
    try:
        parsed = make_url(_driver_url(url or settings.database_url()))
    except ArgumentError:
        return True  # open_database names the problem
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).expanduser().is_file()


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Open (and on first use create) the store at `url` (default: the setting)."""
    text = _driver_url(url or settings.database_url())
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise StoreError(f"{settings.DATABASE_URL_ENV}: not a database URL: {text.split('@')[-1]!r}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"{settings.DATABASE_URL_ENV}: {parsed.get_backend_name()} is not supported "
                         "(use sqlite:///FILE or postgresql://...)")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise StoreError("an in-memory SQLite database cannot hold the store; give a file")
        try:
            _private_sqlite_file(Path(parsed.database).expanduser())
        except OSError as error:
            raise StoreError(f"{parsed.database}: cannot create the database ({error.strerror or error})") from None
    try:
        engine = create_engine(parsed)
    except (ArgumentError, ImportError) as error:
        raise StoreError(f"{settings.DATABASE_URL_ENV}: {error}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if upgrade:
        try:
            migrate(engine)
        except OperationalError as error:
            engine.dispose()
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise StoreError(f"cannot open the database {parsed.render_as_string(hide_password=True)}: "
                             f"{reason}") from None
        except SQLAlchemyError as error:
            engine.dispose()
            raise StoreError(f"cannot prepare the database: {error.__class__.__name__}: {error}") from None
    return Database(engine, parsed.render_as_string(hide_password=True))
