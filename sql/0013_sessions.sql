-- Console sessions: after a person pastes their token once, their browser holds a cookie with a
-- random session id instead. Only the id's SHA-256 is stored. A session ends when its person
-- signs out, when it is idle or old beyond the configured limits (auth.session_idle,
-- auth.session_lifetime), or when its principal is revoked (the lookup joins the principal).
CREATE TABLE auth.sessions (
    id_hash       bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    principal_id  bigint NOT NULL REFERENCES auth.principals (id),
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    ended_at      timestamptz
);
CREATE INDEX sessions_by_principal ON auth.sessions (principal_id);

GRANT SELECT, INSERT, UPDATE ON auth.sessions TO curation_service;
