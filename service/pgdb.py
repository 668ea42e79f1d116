"""One way to reach the project's PostgreSQL databases (job store, queue, shared response cache).

Runtime code talks to the server through psycopg 3 (the maintained PostgreSQL driver; binary
wheels, so no compiler or libpq on the host). Schemas evolve by Alembic migrations: each
component that keeps tables keeps its own migration folder and version table (`migrate`), so
the job store and the cache can share one database or live in two. Alembic brings SQLAlchemy,
used only to run the migrations, never at run time.

Every caller goes through `migrate` before its first query: it takes a transaction-level
advisory lock, so API processes and workers starting together apply a migration once.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

# Alembic keeps its running environment in module globals: two threads of one process must not
# migrate at once (processes are kept apart by the advisory lock in `run_migrations`).
_ALEMBIC = threading.Lock()

_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_postgres_url(target: str) -> bool:
    return target.lower().startswith(_SCHEMES)


def libpq_url(url: str) -> str:
    """The URL psycopg takes (`postgresql://…`), whatever spelling the user gave."""
    for scheme in _SCHEMES:
        if url.lower().startswith(scheme):
            return "postgresql://" + url[len(scheme) :]
    raise ValueError(f"not a PostgreSQL URL: {redact(url)}")


def redact(url: str) -> str:
    """The URL with its password replaced, for messages and logs (keys and passwords never logged)."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


def migrate(url: str, folder: Path, version_table: str) -> None:
    """Bring the tables of one component (its Alembic `folder`) to their newest revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.attributes["url"] = "postgresql+psycopg://" + libpq_url(url).removeprefix("postgresql://")
    cfg.attributes["version_table"] = version_table
    with _ALEMBIC:
        command.upgrade(cfg, "head")


def run_migrations(context: Any) -> None:
    """The body of every migration folder's `env.py`: online migrations under an advisory lock
    named after the version table."""
    from sqlalchemy import create_engine, pool, text

    cfg = context.config
    version_table = cfg.attributes["version_table"]
    engine = create_engine(cfg.attributes["url"], poolclass=pool.NullPool)
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": version_table})
        context.configure(connection=conn, version_table=version_table, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
