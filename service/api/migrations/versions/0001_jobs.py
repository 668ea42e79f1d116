"""The job store's tables (service/api/pgstore.py says what each is for).

The hot `jobs` rows hold a job's state only; the submitted bytes and the normalised text
(`inputs`) and the record (`results`) are kept apart, so scanning and updating states never
reads or rewrites the large values. Times are epoch seconds from the server's clock, so every
machine's processes agree on leases.
"""

from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE jobs (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            owner text NOT NULL,
            dedupe_key text NOT NULL,
            status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
            name text NOT NULL,
            media_type text,
            encoding text,
            source_kind text NOT NULL,
            sha256 text NOT NULL,
            characters integer NOT NULL,
            model text NOT NULL,
            prompt_version text NOT NULL,
            chunks_done integer NOT NULL DEFAULT 0,
            chunks_total integer,
            attempts integer NOT NULL DEFAULT 0,
            created_at double precision NOT NULL,
            started_at double precision,
            finished_at double precision,
            error_type text,
            error_message text,
            error_detail text,
            worker_id text,
            lease_s double precision,
            lease_until double precision
        );
        CREATE INDEX jobs_owner_seq ON jobs (owner, seq);
        CREATE INDEX jobs_status_seq ON jobs (status, seq);
        CREATE INDEX jobs_running_lease ON jobs (lease_until) WHERE status = 'running';
        CREATE UNIQUE INDEX jobs_live_dedupe ON jobs (owner, dedupe_key)
            WHERE status IN ('queued', 'running', 'done');

        CREATE TABLE inputs (
            job_id text PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
            source bytea NOT NULL,
            text text NOT NULL
        );
        CREATE TABLE results (
            job_id text PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
            result text NOT NULL
        );
        CREATE TABLE attempts (
            job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            attempt integer NOT NULL,
            worker_id text,
            started_at double precision NOT NULL,
            ended_at double precision,
            outcome text,
            PRIMARY KEY (job_id, attempt)
        );
        CREATE TABLE rate_buckets (
            key text PRIMARY KEY,
            tokens double precision NOT NULL,
            at double precision NOT NULL,
            ok boolean NOT NULL
        );
        CREATE TABLE probe (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, data bytea NOT NULL);
        """
    )
