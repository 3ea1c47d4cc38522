"""Alembic migrations of the workshop server's schema; `db.migrate` runs them at every start."""
