-- Where the moderation log's last intact verification left the chain, so the next one need
-- recompute only what was sealed after it. A verification checks first that the chain still
-- passes through this point; the whole chain is still recomputed on request and whenever the
-- last time is too long ago, since an edit before the checkpoint is only found that way.
CREATE TABLE modlog.verified_checkpoint (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position       bigint NOT NULL CHECK (position >= 0),
    head_hash      bytea NOT NULL CHECK (length(head_hash) = 32),
    -- Every entry with a lower id was in the chain at or before position.
    next_entry_id  bigint NOT NULL CHECK (next_entry_id > 0),
    verified_at    timestamptz NOT NULL,
    -- The last time the whole chain was recomputed and found intact; NULL once a whole-chain
    -- verification found a break, so that every later one recomputes everything again.
    whole_chain_verified_at timestamptz
);
GRANT SELECT, INSERT, UPDATE ON modlog.verified_checkpoint TO curation_service;
