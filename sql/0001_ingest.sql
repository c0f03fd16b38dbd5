-- Ingest: what the Joystream query node says about videos, channels, categories and
-- moderator actions, plus the cursors that make polling resumable and the feed that tells
-- the other services what changed.

CREATE SCHEMA ingest;

CREATE TABLE ingest.categories (
    id               text PRIMARY KEY,
    name             text,
    description      text,
    parent_id        text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz,
    created_in_block bigint NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    last_changed_at  timestamptz NOT NULL DEFAULT now()
);

-- Media, thumbnails, avatars and covers. A data object's content never changes on chain
-- (a new file is a new object), but its acceptance by storage does.
CREATE TABLE ingest.data_objects (
    id             text PRIMARY KEY,
    size_bytes     bigint,
    ipfs_hash      text,
    is_accepted    boolean,
    storage_bag_id text,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ingest.channels (
    id                text PRIMARY KEY,
    title             text,
    description       text,
    is_public         boolean,
    is_censored       boolean NOT NULL,
    language          text,
    owner_member_id   text,
    owner_handle      text,
    avatar_object_id  text,
    cover_object_id   text,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz,
    created_in_block  bigint NOT NULL,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    last_changed_at   timestamptz NOT NULL DEFAULT now()
);

-- Videos reference channels and categories by id without foreign keys: each comes from its
-- own stream and may arrive first.
CREATE TABLE ingest.videos (
    id                   text PRIMARY KEY,
    channel_id           text NOT NULL,
    category_id          text,
    title                text,
    description          text,
    duration_seconds     integer,
    language             text,
    license_code         integer,
    license_attribution  text,
    license_custom_text  text,
    is_public            boolean,
    is_censored          boolean NOT NULL,
    is_explicit          boolean,
    has_marketing        boolean,
    yt_video_id          text,
    media_object_id      text,
    thumbnail_object_id  text,
    media_pixel_width    integer,
    media_pixel_height   integer,
    media_declared_size  bigint,
    media_codec          text,
    media_container      text,
    media_mime_type      text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz,
    created_in_block     bigint NOT NULL,
    first_seen_at        timestamptz NOT NULL DEFAULT now(),
    last_changed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX videos_channel ON ingest.videos (channel_id);
CREATE INDEX videos_created_at ON ingest.videos (created_at);

CREATE TABLE ingest.moderator_events (
    id              text PRIMARY KEY,  -- "{network}-{block}-{indexInBlock}"
    kind            text NOT NULL CHECK (kind IN ('video_visibility', 'channel_visibility',
                                                  'video_assets_deleted', 'channel_assets_deleted')),
    target_kind     text NOT NULL CHECK (target_kind IN ('video', 'channel')),
    target_id       text NOT NULL,
    is_hidden       boolean,
    asset_ids       bigint[],
    are_nft_assets  boolean,
    rationale       text NOT NULL,
    actor_kind      text NOT NULL,  -- ContentActorCurator, ContentActorMember, ContentActorLead
    actor_curator_id text,
    actor_member_id  text,
    in_block        bigint NOT NULL,
    index_in_block  integer NOT NULL,
    in_extrinsic    text,
    network         text,
    created_at      timestamptz NOT NULL,
    first_seen_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderator_events_target ON ingest.moderator_events (target_kind, target_id);
CREATE INDEX moderator_events_block ON ingest.moderator_events (in_block, index_in_block);

-- Items the query node sent that could not be stored as they were (missing required fields,
-- wrong types). Kept so nothing is silently lost; counted in status and metrics.
CREATE TABLE ingest.rejected_items (
    stream        text NOT NULL,
    fingerprint   text NOT NULL,  -- sha256 of the raw item
    item_id       text,
    reason        text NOT NULL,
    raw           text NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    times_seen    integer NOT NULL DEFAULT 1,
    PRIMARY KEY (stream, fingerprint)
);

-- High-water marks, written in the same transaction as the rows they cover. A backfill
-- bumps the generation, so a poll that read the old mark cannot write over the rewind.
CREATE TABLE ingest.cursors (
    stream     text PRIMARY KEY,
    mark_block bigint,
    mark_time  timestamptz,
    generation bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Operational state for IngestService.GetStatus, shared by every instance.
CREATE TABLE ingest.stream_status (
    stream          text PRIMARY KEY,
    last_success_at timestamptz,
    last_error      text,
    last_error_at   timestamptz,
    items_read      bigint NOT NULL DEFAULT 0,  -- re-reads of the overlap included
    -- The query node's head when this stream last answered "nothing more": the stream is
    -- complete up to here even where its mark, which only stored items raise, is lower.
    caught_up_block bigint
);

CREATE TABLE ingest.head (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    head_block bigint NOT NULL,
    head_time  timestamptz,
    checked_at timestamptz NOT NULL
);

-- The feed other services consume: appended in the same transaction as the change it
-- reports. Writers take a transaction-level advisory lock first, so rows become visible in
-- sequence order and a consumer that remembers the last sequence it saw never skips one.
CREATE TABLE ingest.feed (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('video_created', 'video_assets_changed',
                                               'channel_created', 'moderator_event')),
    target_kind  text NOT NULL CHECK (target_kind IN ('video', 'channel')),
    target_id    text NOT NULL,
    occurred_at  timestamptz NOT NULL,  -- upload time, change time, or event time (block timestamps)
    event_id     text,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION ingest.notify_feed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ingest_feed', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER feed_notify AFTER INSERT ON ingest.feed
    FOR EACH STATEMENT EXECUTE FUNCTION ingest.notify_feed();
