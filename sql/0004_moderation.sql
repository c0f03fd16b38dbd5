-- Decisions on review items, the policy catalogue they cite, the moderation log (append-only,
-- hash-chained), the principals who may call the API, and the database role the services
-- run as, which may only INSERT and SELECT on the log.

-- Principals: every RPC carries a bearer token bound to one of these. Only the token's
-- SHA-256 is stored; the token itself is printed once when the principal is added.
CREATE SCHEMA auth;

CREATE TABLE auth.principals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    role        text NOT NULL CHECK (role IN ('curator', 'lead', 'council', 'service')),
    worker_id   bigint CHECK (worker_id >= 0),  -- Joystream content working group worker id
    contact     text,                           -- personal: never shown to the council
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- The moderation log. An entry is written in the same transaction as the decision it records
-- and carries the SHA-256 of its content. A single sealer then appends it to the chain:
-- chain_hash = SHA-256(previous chain_hash || content_hash). Sealing apart from the decision
-- keeps the one lock a chain needs out of every decision's commit.
CREATE SCHEMA modlog;

CREATE TABLE modlog.entries (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('approve', 'warn', 'censor', 'escalate', 'revert',
                                                    'chain_confirmed', 'chain_unjustified', 'chain_preexisting')),
    actor             text NOT NULL,   -- principal name, or 'chain'
    actor_role        text NOT NULL,
    actor_worker_id   bigint,
    target_kind       text NOT NULL CHECK (target_kind IN ('video', 'channel')),
    target_id         text NOT NULL,
    item_id           bigint,          -- the review item decided, if any
    justification     text NOT NULL,
    policy_codes      text[] NOT NULL,
    note              text NOT NULL,
    snapshot_title          text NOT NULL,
    snapshot_channel_id     text NOT NULL,
    snapshot_channel_title  text NOT NULL,
    snapshot_category_id    text NOT NULL,
    snapshot_category_name  text NOT NULL,
    snapshot_verdict        text NOT NULL,
    snapshot_verdict_summary text NOT NULL,
    reverts_entry_id  bigint UNIQUE REFERENCES modlog.entries (id),
    confirms_entry_id bigint REFERENCES modlog.entries (id),
    chain_event_id    text UNIQUE,     -- ingest.moderator_events.id
    chain_block       bigint,
    chain_extrinsic   text,
    chain_is_hidden   boolean,
    chain_rationale   text,
    chain_actor       text,
    chain_event_at    timestamptz,
    recorded_at       timestamptz NOT NULL,
    content_hash      bytea NOT NULL CHECK (length(content_hash) = 32)
);
CREATE INDEX entries_recorded_at ON modlog.entries (recorded_at, id);
CREATE INDEX entries_actor ON modlog.entries (actor, id);
CREATE INDEX entries_target ON modlog.entries (target_kind, target_id, id);
CREATE INDEX entries_kind ON modlog.entries (kind, id);
CREATE INDEX entries_confirms ON modlog.entries (confirms_entry_id) WHERE confirms_entry_id IS NOT NULL;

CREATE TABLE modlog.chain (
    position      bigint PRIMARY KEY CHECK (position > 0),
    entry_id      bigint NOT NULL UNIQUE REFERENCES modlog.entries (id),
    previous_hash bytea NOT NULL CHECK (length(previous_hash) = 32),
    chain_hash    bytea NOT NULL CHECK (length(chain_hash) = 32),
    sealed_at     timestamptz NOT NULL DEFAULT now()
);

-- Entries written but not yet sealed: the sealer's work list.
CREATE TABLE modlog.unsealed (
    entry_id bigint PRIMARY KEY REFERENCES modlog.entries (id)
);

CREATE FUNCTION modlog.notify_unsealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('modlog_unsealed', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER unsealed_notify AFTER INSERT ON modlog.unsealed
    FOR EACH STATEMENT EXECUTE FUNCTION modlog.notify_unsealed();

-- Refuse edits even from the owner; privileges below keep the services' role from trying.
CREATE FUNCTION modlog.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the moderation log is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON modlog.entries
    FOR EACH ROW EXECUTE FUNCTION modlog.refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON modlog.entries
    FOR EACH STATEMENT EXECUTE FUNCTION modlog.refuse_change();
CREATE TRIGGER chain_append_only BEFORE UPDATE OR DELETE ON modlog.chain
    FOR EACH ROW EXECUTE FUNCTION modlog.refuse_change();
CREATE TRIGGER chain_no_truncate BEFORE TRUNCATE ON modlog.chain
    FOR EACH STATEMENT EXECUTE FUNCTION modlog.refuse_change();

CREATE TABLE modlog.feed_cursors (
    consumer text PRIMARY KEY,
    seq      bigint NOT NULL
);

-- When the log began: on-chain moderator actions from before it are recorded as preexisting,
-- not as unjustified.
CREATE TABLE modlog.genesis (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    started_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO modlog.genesis DEFAULT VALUES;

-- Review: the policy catalogue, and decisions tied one to one to their log entries.
CREATE TABLE review.policy_codes (
    code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]*$'),
    action     text NOT NULL CHECK (action IN ('warn', 'censor')),
    applies_to text NOT NULL CHECK (applies_to IN ('video', 'channel', 'any')),
    title      text NOT NULL,
    active     boolean NOT NULL DEFAULT true
);

-- From the Curation Policy (Joystream community-repo working-groups/curator-group/
-- Curation_Policy.md) and the content policy's rule on unflagged mature content.
INSERT INTO review.policy_codes (code, action, applies_to, title) VALUES
    ('thumbnail',            'warn',   'video',   'Missing or poor thumbnail'),
    ('licence-unverifiable', 'warn',   'video',   'Licence suspected but not verifiable'),
    ('not-as-advertised',    'warn',   'any',     'Title, category or thumbnail does not match the content'),
    ('poor-quality',         'warn',   'video',   'Unreasonably poor quality'),
    ('duplicate',            'warn',   'video',   'Duplicate of another video'),
    ('unplayable',           'warn',   'video',   'Does not play or is not found'),
    ('missing-avatar',       'warn',   'channel', 'Channel has no avatar'),
    ('repeated-warnings',    'warn',   'channel', 'Several of the channel''s videos were warned'),
    ('attribution',          'censor', 'video',   'Attribution licence without or with wrong attribution'),
    ('licence-breach',       'censor', 'video',   'Licence terms breached (e.g. ND of CC_BY_NC_ND)'),
    ('copyright',            'censor', 'any',     'Strongly suspected copyright violation'),
    ('tos-dmca',             'censor', 'any',     'Terms of service or DMCA violation'),
    ('sexual-content',       'censor', 'any',     'Sexually explicit content or services'),
    ('unflagged-mature',     'censor', 'any',     'Mature content not flagged explicit'),
    ('harassment',           'censor', 'any',     'Harassment, threats, doxxing or revenge porn'),
    ('hate-speech',          'censor', 'any',     'Hateful speech (race, gender identity, orientation, religion, disability, age)'),
    ('terror-promotion',     'censor', 'any',     'Promotion of terror or hate groups'),
    ('weapons-instructions', 'censor', 'any',     'Instructions for explosives or firearms'),
    ('endangering-minors',   'censor', 'any',     'Endangering minors'),
    ('self-harm',            'censor', 'any',     'Self-harm or suicide'),
    ('extreme-violence',     'censor', 'any',     'Extreme violence, animal cruelty or gore'),
    ('repeated-infractions', 'censor', 'channel', 'Repeated serious infractions left unfixed');

ALTER TABLE review.items DROP CONSTRAINT items_reason_check;
ALTER TABLE review.items ADD CONSTRAINT items_reason_check
    CHECK (reason IN ('new_video', 'new_channel', 'assets_changed', 'unjustified_chain_action'));
-- Items raised by an unjustified chain action come from the log, not the ingest feed.
ALTER TABLE review.items ALTER COLUMN source_seq DROP NOT NULL;
ALTER TABLE review.items ADD COLUMN source_log_entry bigint UNIQUE;
ALTER TABLE review.items ADD CONSTRAINT items_one_source CHECK ((source_seq IS NULL) <> (source_log_entry IS NULL));
CREATE INDEX items_decided_at ON review.items (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX items_leases ON review.items (lease_expires_at) WHERE state = 'claimed';

CREATE TABLE review.decisions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id      bigint NOT NULL REFERENCES review.items (id),
    action       text NOT NULL CHECK (action IN ('approve', 'warn', 'censor', 'escalate', 'revert')),
    principal    text NOT NULL,
    request_id   text,
    log_entry_id bigint NOT NULL UNIQUE REFERENCES modlog.entries (id),
    decided_at   timestamptz NOT NULL,
    UNIQUE (principal, request_id)
);
CREATE INDEX decisions_item ON review.decisions (item_id);

-- The role the services run as (database.role). Cluster-wide, so created only once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'curation_service') THEN
        CREATE ROLE curation_service NOLOGIN;
    END IF;
END;
$$;
-- The login that migrates (and runs the services) must be able to SET ROLE to it.
GRANT curation_service TO CURRENT_USER;
GRANT USAGE ON SCHEMA ingest, probe, review, modlog, auth TO curation_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ingest, probe, review TO curation_service;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ingest, probe, review, modlog TO curation_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA ingest, probe, review
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO curation_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA ingest, probe, review, modlog
    GRANT USAGE, SELECT ON SEQUENCES TO curation_service;
GRANT SELECT, INSERT ON modlog.entries, modlog.chain TO curation_service;
GRANT SELECT, INSERT, DELETE ON modlog.unsealed TO curation_service;
GRANT SELECT, INSERT, UPDATE ON modlog.feed_cursors TO curation_service;
GRANT SELECT ON modlog.genesis TO curation_service;
-- Principals are managed by `curationd principal`, which runs as the database owner.
GRANT SELECT ON auth.principals TO curation_service;
