"""The response cache and the call log, as the SQLite store has them (plus the answering deployment)."""

from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE responses (
            key text PRIMARY KEY,
            model text NOT NULL,
            prompt_id text NOT NULL,
            prompt_version text NOT NULL,
            response_text text NOT NULL,
            prompt_tokens integer NOT NULL DEFAULT 0,
            completion_tokens integer NOT NULL DEFAULT 0,
            created_at double precision NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE calls (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            ts double precision NOT NULL,
            cache_key text,
            prompt_id text,
            prompt_version text,
            model text,
            messages_hash text,
            messages_json text,
            response_text text,
            finish_reason text,
            prompt_tokens integer,
            completion_tokens integer,
            latency_s double precision,
            attempt integer,
            cache_hit boolean NOT NULL DEFAULT false,
            error text,
            deployment text
        )
        """
    )
    op.execute("CREATE INDEX calls_prompt ON calls (prompt_id, prompt_version)")
    op.execute("CREATE INDEX calls_key ON calls (cache_key)")
