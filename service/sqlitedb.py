"""One way to open the project's SQLite files (response cache, job store).

WAL and a busy timeout make one file safe for several processes (readers never block the
writer; writers queue); autocommit mode leaves transactions to the callers.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """Open (creating folders and tables as needed) a connection usable from any thread under the caller's lock.

    The files hold submitted reports and prompts: a new folder is the owner's alone (0700), a new
    database file too (0600; SQLite gives its -wal and -shm files the database's permissions).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=30.0, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.executescript(schema)
    return conn
