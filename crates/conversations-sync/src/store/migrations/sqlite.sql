-- The SQLite migrations, in order. Each starts at a line `-- migration N: what`; the
-- lines up to the next one are its SQL, run in one transaction with the others pending.

-- migration 1: conversations, sync_streams, sync_locks
CREATE TABLE conversations (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    id TEXT,
    external_id TEXT,
    channel TEXT,
    agent_role TEXT,
    agent_id TEXT,
    agent_external_id TEXT,
    agent_name TEXT,
    customer_id TEXT,
    customer_external_id TEXT,
    customer_name TEXT,
    customer_phone TEXT,
    business_id TEXT,
    business_phone TEXT,
    message_count INTEGER,
    total_cost REAL,
    ai_enabled INTEGER,
    created_at TEXT,
    updated_at TEXT,
    metadata TEXT NOT NULL,
    raw TEXT NOT NULL,
    notes TEXT,
    raw_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX conversations_created_at ON conversations (created_at);
CREATE TABLE sync_streams (
    source TEXT NOT NULL,
    query TEXT NOT NULL,
    resume TEXT,
    high_water TEXT,
    last_status TEXT NOT NULL,
    last_started_at TEXT,
    last_finished_at TEXT,
    last_records INTEGER NOT NULL DEFAULT 0,
    last_pages INTEGER NOT NULL DEFAULT 0,
    last_inserted INTEGER NOT NULL DEFAULT 0,
    last_updated INTEGER NOT NULL DEFAULT 0,
    last_unchanged INTEGER NOT NULL DEFAULT 0,
    last_with_notes INTEGER NOT NULL DEFAULT 0,
    last_message TEXT,
    PRIMARY KEY (source, query)
);

-- migration 2: conversations.provider: rows filed under an account's name say their provider
ALTER TABLE conversations ADD COLUMN provider TEXT;
UPDATE conversations SET provider = source;

-- migration 3: (PostgreSQL only: byte-order keys; SQLite compares text bytewise already)

-- migration 4: (PostgreSQL only: a BRIN index on created_at)

-- migration 5: (PostgreSQL only: conversations.raw_text; SQLite keeps the text as received in raw)

-- migration 6: sync_streams.last_collisions: records of the last run that replaced another of their key with other bytes
ALTER TABLE sync_streams ADD COLUMN last_collisions INTEGER NOT NULL DEFAULT 0;

-- migration 7: sync_streams.last_failed and failed_ids: ids the provider refused for good
ALTER TABLE sync_streams ADD COLUMN last_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_streams ADD COLUMN failed_ids TEXT;

-- migration 8: conversations.business_external_id and business_name: the flat view's business columns
-- Rows written before are filled from raw where the provider's record holds them (Autocalls'
-- whatsapp_sender.name); the next sync of a row fills it as any other column.
ALTER TABLE conversations ADD COLUMN business_external_id TEXT;
ALTER TABLE conversations ADD COLUMN business_name TEXT;
UPDATE conversations SET business_name = json_extract(raw, '$.whatsapp_sender.name')
    WHERE provider = 'autocalls' AND json_valid(raw)
        AND json_type(raw, '$.whatsapp_sender.name') = 'text';
