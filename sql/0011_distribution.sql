-- Ingest: the distribution side of the chain, so probe finds a video's distributor nodes in
-- the database instead of asking the query node itself: distribution buckets, their operators
-- (with the node endpoint they declare) and each storage bag's distribution buckets. Every
-- row is the query node's latest copy; buckets and operators it deleted are deleted here
-- (docs/ingest.md).

CREATE TABLE ingest.distribution_buckets (
    id                 text PRIMARY KEY,  -- "{familyId}:{bucketIndex}"
    family_id          text NOT NULL,
    bucket_index       integer,
    distributing       boolean NOT NULL,
    accepting_new_bags boolean NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz,
    first_seen_at      timestamptz NOT NULL DEFAULT now(),
    last_changed_at    timestamptz NOT NULL DEFAULT now()
);

-- node_endpoint is on-chain metadata anyone can set: kept as text, never requested by ingest;
-- whoever uses it checks it is an http(s) URL, and the address guard judges where it leads.
CREATE TABLE ingest.distribution_operators (
    id              text PRIMARY KEY,  -- "{bucketId}-{workerId}"
    bucket_id       text NOT NULL,
    worker_id       bigint NOT NULL,
    status          text NOT NULL CHECK (status IN ('invited', 'active')),
    node_endpoint   text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX distribution_operators_bucket ON ingest.distribution_operators (bucket_id);

-- A bag's distribution buckets, in the order the query node lists them.
CREATE TABLE ingest.storage_bags (
    id                      text PRIMARY KEY,  -- "dynamic:channel:1", "static:council", ...
    distribution_bucket_ids text[] NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz,
    first_seen_at           timestamptz NOT NULL DEFAULT now(),
    last_changed_at         timestamptz NOT NULL DEFAULT now()
);
