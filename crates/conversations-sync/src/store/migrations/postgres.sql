-- The PostgreSQL migrations, in order. Each starts at a line `-- migration N: what`; the
-- lines up to the next one are its SQL, run in one transaction with the others pending.

-- migration 1: conversations, sync_streams, sync_locks
CREATE TABLE conversations (
    source text NOT NULL,
    key text NOT NULL,
    id text,
    external_id text,
    channel text,
    agent_role text,
    agent_id text,
    agent_external_id text,
    agent_name text,
    customer_id text,
    customer_external_id text,
    customer_name text,
    customer_phone text,
    business_id text,
    business_phone text,
    message_count bigint,
    total_cost double precision,
    ai_enabled boolean,
    created_at timestamptz,
    updated_at timestamptz,
    metadata jsonb NOT NULL,
    raw jsonb NOT NULL,
    notes jsonb,
    raw_hash text NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX conversations_created_at ON conversations (created_at);
CREATE TABLE sync_streams (
    source text NOT NULL,
    query text NOT NULL,
    resume text,
    high_water text,
    last_status text NOT NULL,
    last_started_at text,
    last_finished_at text,
    last_records bigint NOT NULL DEFAULT 0,
    last_pages bigint NOT NULL DEFAULT 0,
    last_inserted bigint NOT NULL DEFAULT 0,
    last_updated bigint NOT NULL DEFAULT 0,
    last_unchanged bigint NOT NULL DEFAULT 0,
    last_with_notes bigint NOT NULL DEFAULT 0,
    last_message text,
    PRIMARY KEY (source, query)
);
CREATE TABLE sync_locks (
    source text NOT NULL,
    query text NOT NULL,
    host text NOT NULL,
    pid bigint NOT NULL,
    since text NOT NULL,
    PRIMARY KEY (source, query)
);

-- migration 2: conversations.provider: rows filed under an account's name say their provider
ALTER TABLE conversations ADD COLUMN provider text;
UPDATE conversations SET provider = source;

-- migration 3: conversations (source, key) compared byte by byte (COLLATE "C")
-- The key is an id, not language: byte order finds it as surely as the database's
-- collation does, without its cost on every comparison of every index insert and
-- probe (the index is rebuilt once, here).
ALTER TABLE conversations
    ALTER COLUMN source TYPE text COLLATE "C",
    ALTER COLUMN key TYPE text COLLATE "C";

-- migration 4: conversations.created_at: a BRIN index
-- Rows arrive newest first, so their order on disk follows created_at: a block-range
-- index answers date ranges (the reports' "last 30 days") at a fraction of a
-- B-tree's cost to keep up on every insert, a tenth of a sync's server time.
DROP INDEX conversations_created_at;
CREATE INDEX conversations_created_at ON conversations USING brin (created_at);

-- migration 5: conversations.raw_text: the record's text as received, where jsonb could not hold it
-- jsonb refuses `\u0000` and lone surrogate escapes (`\ud800`), which JSON allows:
-- such a record's `raw` gets `\ufffd` in their place, and this column the text as
-- received (NULL for every other row: `coalesce(raw_text, raw::text)`).
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS raw_text text;

-- migration 6: sync_streams.last_collisions: records of the last run that replaced another of their key with other bytes
ALTER TABLE sync_streams
    ADD COLUMN IF NOT EXISTS last_collisions bigint NOT NULL DEFAULT 0;

-- migration 7: sync_streams.last_failed and failed_ids: ids the provider refused for good
ALTER TABLE sync_streams
    ADD COLUMN IF NOT EXISTS last_failed bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS failed_ids text;

-- migration 8: conversations.business_external_id and business_name: the flat view's business columns
-- Rows written before are filled from raw where the provider's record holds them (Autocalls'
-- whatsapp_sender.name); the next sync of a row fills it as any other column.
ALTER TABLE conversations
    ADD COLUMN IF NOT EXISTS business_external_id text,
    ADD COLUMN IF NOT EXISTS business_name text;
UPDATE conversations SET business_name = raw -> 'whatsapp_sender' ->> 'name'
    WHERE provider = 'autocalls'
        AND jsonb_typeof(raw -> 'whatsapp_sender' -> 'name') = 'string';
