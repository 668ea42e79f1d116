"""Alembic environment of the response cache's tables (applied by `zhenggai.pgdb.migrate`)."""

from alembic import context

from zhenggai.pgdb import run_migrations

run_migrations(context)
