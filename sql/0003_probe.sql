-- Probe: playability jobs, every probe's report, and each video's latest verdict.

CREATE SCHEMA probe;

CREATE TABLE probe.feed_cursors (
    consumer text PRIMARY KEY,
    seq      bigint NOT NULL
);

-- Work for the prober workers, claimed with FOR UPDATE SKIP LOCKED. A claim is a lease: a
-- worker that dies leaves its job to be claimed again when the lease runs out.
CREATE TABLE probe.jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id         text NOT NULL,
    depth            text NOT NULL CHECK (depth IN ('light', 'full')),
    priority         smallint NOT NULL DEFAULT 0,  -- featured and hero videos above new uploads
    uploaded_at      timestamptz NOT NULL,         -- newest first within a priority
    reason           text NOT NULL,
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done')),
    not_before       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    lease_holder     text,
    lease_expires_at timestamptz,
    source_seq       bigint UNIQUE,                -- ingest.feed.seq that raised it, if any
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX jobs_claimable ON probe.jobs (priority DESC, uploaded_at DESC, id) WHERE state <> 'done';
-- At most one open job per video and depth: a second request joins the first.
CREATE UNIQUE INDEX jobs_one_open ON probe.jobs (video_id, depth) WHERE state <> 'done';

-- One row per probe (of a video, or of a URL on demand), with its full report.
CREATE TABLE probe.probes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id    text,
    url         text,
    job_id      bigint,
    depth       text NOT NULL,
    verdict     text NOT NULL CHECK (verdict IN ('playable', 'degraded', 'unplayable')),
    codes       text[] NOT NULL,
    report      jsonb NOT NULL,
    bytes_read  bigint NOT NULL,
    duration_ms integer NOT NULL,
    probed_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((video_id IS NULL) <> (url IS NULL))
);
CREATE INDEX probes_video ON probe.probes (video_id, id DESC) WHERE video_id IS NOT NULL;
CREATE INDEX probes_url ON probe.probes (url, id DESC) WHERE url IS NOT NULL;

-- The latest verdict per video, what the review queue shows.
CREATE TABLE probe.verdicts (
    video_id  text PRIMARY KEY,
    verdict   text NOT NULL,
    codes     text[] NOT NULL,
    summary   text NOT NULL,
    depth     text NOT NULL,
    probe_id  bigint NOT NULL REFERENCES probe.probes (id),
    probed_at timestamptz NOT NULL
);

-- Per distributor host, the earliest time the next probe may start: shared by every worker
-- of every replica, so the configured rate holds cluster-wide.
CREATE TABLE probe.host_slots (
    host    text PRIMARY KEY,
    next_at timestamptz NOT NULL
);
