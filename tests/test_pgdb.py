"""Migrations on a real PostgreSQL: applied once however many processes start together."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from zhenggai.pgdb import libpq_url, migrate, redact

pytestmark = pytest.mark.postgres

FOLDER = Path(__file__).parent / "fixtures" / "pg_migrations"


def _migrate(url: str) -> None:
    migrate(url, FOLDER, "things_version")


def test_concurrent_migrations_apply_each_revision_once(pg_url):
    """Four processes (API processes and workers starting together) and two threads of a fifth."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=spawn) as procs, ThreadPoolExecutor(2) as threads:
        done = [procs.submit(_migrate, pg_url) for _ in range(4)] + [threads.submit(_migrate, pg_url) for _ in range(2)]
        for f in done:
            f.result()
    migrate(pg_url, FOLDER, "things_version")  # and again later: nothing to do
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version_num FROM things_version").fetchall() == [("0002",)]
        conn.execute("INSERT INTO things (name) VALUES ('a')")
        assert conn.execute("SELECT name, kind FROM things").fetchall() == [("a", "plain")]


def test_urls_are_normalised_and_passwords_never_shown():
    assert libpq_url("postgres://u:p@h:5/db") == "postgresql://u:p@h:5/db"
    assert libpq_url("postgresql+psycopg://h/db") == "postgresql://h/db"
    assert redact("postgresql://user:s3cret@host:5432/db") == "postgresql://user:***@host:5432/db"
    assert redact("postgresql://host/db") == "postgresql://host/db"
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        libpq_url("mysql://u:s3cret@h/db")
