from alembic import context

from zhenggai.pgdb import run_migrations

run_migrations(context)
