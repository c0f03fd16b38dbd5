-- Alerting: what Gleev featured when, how it played, the incidents it caused and the
-- notifications they sent.
CREATE SCHEMA alert;

-- One row per video in a slot for as long as it stayed there ("hero", "category:<id>"), with the
-- probing state of the current ones. A new cut or poster for the same video starts a new row.
CREATE TABLE alert.featured (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slot             text NOT NULL CHECK (slot = 'hero' OR slot LIKE 'category:%'),
    video_id         text NOT NULL,
    video_title      text NOT NULL DEFAULT '',
    category_name    text NOT NULL DEFAULT '',
    hero_title       text NOT NULL DEFAULT '',
    cut_url          text NOT NULL DEFAULT '',
    poster_url       text NOT NULL DEFAULT '',
    featured_from    timestamptz NOT NULL,
    featured_until   timestamptz,
    status           text NOT NULL DEFAULT 'unknown'
                     CHECK (status IN ('unknown', 'playable', 'degraded', 'unplayable')),
    reason           text NOT NULL DEFAULT '',
    fail_streak      integer NOT NULL DEFAULT 0,  -- consecutive probes that failed (each after a retry)
    pass_streak      integer NOT NULL DEFAULT 0,
    played_once      boolean NOT NULL DEFAULT false,  -- a later failure counts its deadline from detection
    first_failure_at timestamptz,
    last_probe_at    timestamptz,
    next_probe_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX featured_current ON alert.featured (slot, video_id) WHERE featured_until IS NULL;
CREATE INDEX featured_history ON alert.featured (featured_from);

CREATE TABLE alert.silences (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slot       text NOT NULL,
    until      timestamptz NOT NULL,
    reason     text NOT NULL CHECK (reason <> ''),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX silences_slot ON alert.silences (slot, until);

-- One incident per slot and video at a time; watchdog incidents use the slot 'watchdog'.
CREATE TABLE alert.incidents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_key     text NOT NULL,
    alertname        text NOT NULL,
    slot             text NOT NULL,
    video_id         text NOT NULL,
    video_title      text NOT NULL DEFAULT '',
    category_name    text NOT NULL DEFAULT '',
    reason           text NOT NULL,
    state            text NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
    broke_at         timestamptz NOT NULL,  -- the change or the detection its deadline counts from
    opened_at        timestamptz NOT NULL,
    deadline         timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    resolved_at      timestamptz,
    resolved_by      text,  -- empty: resolved by the pipeline itself
    resolution       text,
    breached         boolean NOT NULL DEFAULT false,
    CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE UNIQUE INDEX incidents_one_open ON alert.incidents (slot, video_id) WHERE state <> 'resolved';
CREATE INDEX incidents_opened ON alert.incidents (opened_at);

-- Every transition, with who and when.
CREATE TABLE alert.incident_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES alert.incidents (id),
    at          timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('opened', 'paged', 'breached', 'acknowledged', 'resolved')),
    actor       text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX incident_events_incident ON alert.incident_events (incident_id, id);

-- Notifications to send: each (incident, receiver, step) once, retried until sent or refused.
CREATE TABLE alert.outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id     bigint REFERENCES alert.incidents (id),  -- NULL: a test notification
    receiver        text NOT NULL,
    step            text NOT NULL,  -- page:0, page:1, ..., breach, acknowledged, resolved, test
    body            text NOT NULL,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    sent_at         timestamptz,
    last_status     integer,
    last_error      text NOT NULL DEFAULT '',
    UNIQUE (incident_id, receiver, step)
);
CREATE INDEX outbox_due ON alert.outbox (next_attempt_at) WHERE state = 'pending';

-- The dead man's switch: when the poller and the prober last produced a result.
CREATE TABLE alert.heartbeats (
    source text PRIMARY KEY CHECK (source IN ('orion', 'probes')),
    at     timestamptz NOT NULL
);

GRANT USAGE ON SCHEMA alert TO curation_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA alert TO curation_service;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA alert TO curation_service;
