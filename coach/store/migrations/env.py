"""Alembic environment: run with the connection `coach.store.database.migrate` hands over."""

from __future__ import annotations

from alembic import context

from coach.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through coach.store.database.migrate (it passes the connection)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
