"""The database behind the server: one SQLite file by default, PostgreSQL for a busy space; the same code,
a different URL. The schema is brought up to date with the Alembic migrations whenever the server starts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.workshops.errors import WorkshopError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{Path(folder) / 'workshop.sqlite3'}"


def make_engine(url: str) -> Engine:
    """An engine for `url` (sqlite:///path or postgresql+psycopg://user@host:port/name)."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                                   pool_size=20, max_overflow=40)
            _serialise_sqlite_writes(engine)
        else:
            engine = create_engine(url, pool_size=20, max_overflow=40, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise WorkshopError(f"{url!r} is not a database URL localfab can use ({exc}); use sqlite:///PATH or "
                            "postgresql+psycopg://USER@HOST:PORT/NAME") from exc
    return engine


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise WorkshopError(f"cannot reach the database ({exc.orig}); check the URL and that it is running") from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def now() -> str:
    """UTC, to the microsecond, ISO 8601: sorts as text and reads the same from SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _serialise_sqlite_writes(engine: Engine) -> None:
    """WAL lets readers go on during a write; BEGIN IMMEDIATE takes the write lock up front, so two writers
    queue on the busy timeout instead of one failing with "database is locked" halfway through."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
