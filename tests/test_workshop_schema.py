"""The Alembic migrations make exactly the schema the server's models describe, and can run again safely."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.workshops.server.db import make_engine, migrate, sqlite_url
from app.workshops.server.models import Base


def test_the_migrations_make_the_models_schema(tmp_path):
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    migrate(engine)  # every start runs them: the second time changes nothing
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
