-- Each log entry keeps its canonical bytes (what its content hash is the SHA-256 of) in a
-- column PostgreSQL computes from the entry's other columns on every write. Verifying the whole
-- chain then reads one column an entry instead of 28: PostgreSQL's cost of sending 28 typed
-- columns was most of a full verification. An edit of any column recomputes the bytes, so the
-- edit still shows as a hash mismatch; the column itself cannot be written.
--
-- The encoding is services/modlog/entry.cpp's AppendCanonical, byte for byte: each field a
-- 4-byte big-endian length and its UTF-8 bytes; absent numbers "" and present ones "=<n>";
-- times as microseconds since the epoch; a missing text as "", a missing block as 0, a missing
-- time as the epoch (as LogStore reads them). modlog_test checks the two agree.

-- One plpgsql function, never inlined into the generation expression (which must be immutable
-- as written: convert_to() is only stable in general, but with a fixed target encoding it is
-- not affected by any setting). Fields are gathered first and framed in one loop: a function call
-- per field cost several times more on every write.
CREATE FUNCTION modlog.canonical_content(
    kind text, actor text, actor_role text, actor_worker_id bigint, target_kind text, target_id text,
    item_id bigint, justification text, policy_codes text[], note text, snapshot_title text,
    snapshot_channel_id text, snapshot_channel_title text, snapshot_category_id text,
    snapshot_category_name text, snapshot_verdict text, snapshot_verdict_summary text,
    reverts_entry_id bigint, confirms_entry_id bigint, chain_event_id text, chain_block bigint,
    chain_extrinsic text, chain_is_hidden boolean, chain_rationale text, chain_actor text,
    chain_event_at timestamptz, recorded_at timestamptz) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    codes text[] := '{}';
    fields text[];
    field text;
    bytes bytea;
    canonical bytea := ''::bytea;
BEGIN
    -- Every element in storage order, whatever the dimensions; a NULL element is skipped, as the
    -- binary reader skips it.
    FOREACH field IN ARRAY coalesce(policy_codes, '{}'::text[]) LOOP
        IF field IS NOT NULL THEN
            codes := codes || field;
        END IF;
    END LOOP;
    fields := ARRAY['curation-modlog/1', kind, actor, actor_role,
                    CASE WHEN actor_worker_id IS NULL THEN '' ELSE '=' || actor_worker_id END,
                    target_kind, target_id, CASE WHEN item_id IS NULL THEN '' ELSE '=' || item_id END,
                    justification, cardinality(codes)::text]
        || codes
        || ARRAY[note, snapshot_title, snapshot_channel_id, snapshot_channel_title, snapshot_category_id,
                 snapshot_category_name, snapshot_verdict, snapshot_verdict_summary,
                 CASE WHEN reverts_entry_id IS NULL THEN '' ELSE '=' || reverts_entry_id END,
                 CASE WHEN confirms_entry_id IS NULL THEN '' ELSE '=' || confirms_entry_id END];
    IF chain_event_id IS NULL THEN
        fields := fields || ''::text;
    ELSE
        fields := fields || ARRAY['event', chain_event_id, coalesce(chain_block, 0)::text, chain_extrinsic,
                                  CASE chain_is_hidden WHEN true THEN 'hidden' WHEN false THEN 'visible' ELSE '' END,
                                  chain_rationale, chain_actor,
                                  coalesce((extract(epoch FROM chain_event_at) * 1000000)::bigint, 0)::text];
    END IF;
    fields := fields || (extract(epoch FROM recorded_at) * 1000000)::bigint::text;
    FOREACH field IN ARRAY fields LOOP
        bytes := convert_to(coalesce(field, ''), 'UTF8');
        canonical := canonical || int4send(octet_length(bytes)) || bytes;
    END LOOP;
    RETURN canonical;
END
$$;

ALTER TABLE modlog.entries ADD COLUMN canonical bytea GENERATED ALWAYS AS (modlog.canonical_content(
    kind, actor, actor_role, actor_worker_id, target_kind, target_id, item_id, justification, policy_codes, note,
    snapshot_title, snapshot_channel_id, snapshot_channel_title, snapshot_category_id, snapshot_category_name,
    snapshot_verdict, snapshot_verdict_summary, reverts_entry_id, confirms_entry_id, chain_event_id, chain_block,
    chain_extrinsic, chain_is_hidden, chain_rationale, chain_actor, chain_event_at, recorded_at)) STORED;
