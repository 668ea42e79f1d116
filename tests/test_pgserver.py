"""The test PostgreSQL server itself: a real server on loopback that the fault tests can restart."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.postgres


def test_fresh_database_survives_a_restart(pg_server, pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
    pg_server.restart()
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
        assert conn.execute("SELECT current_database()").fetchone()[0] == pg_url.rsplit("/", 1)[1]
