-- Review: one item per thing a curator must look at, due 36 h after upload.
-- Claims (leases) and decisions live here too; the decision workflow fills them in.

CREATE SCHEMA review;

CREATE TABLE review.feed_cursors (
    consumer text PRIMARY KEY,
    seq      bigint NOT NULL
);

CREATE TABLE review.items (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_kind      text NOT NULL CHECK (target_kind IN ('video', 'channel')),
    target_id        text NOT NULL,
    reason           text NOT NULL CHECK (reason IN ('new_video', 'new_channel', 'assets_changed')),
    source_seq       bigint NOT NULL UNIQUE,  -- ingest.feed.seq: one item per feed entry, ever
    uploaded_at      timestamptz NOT NULL,    -- or the time of the change that raised the item
    due_at           timestamptz NOT NULL,
    state            text NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'claimed', 'decided', 'escalated')),
    priority         smallint NOT NULL DEFAULT 0,  -- raised by signals such as an unplayable probe
    lease_holder     text,
    lease_expires_at timestamptz,
    decided_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'claimed') = (lease_holder IS NOT NULL))
);
CREATE INDEX items_pending_by_due ON review.items (due_at, id) WHERE state <> 'decided';
CREATE INDEX items_target ON review.items (target_kind, target_id);
