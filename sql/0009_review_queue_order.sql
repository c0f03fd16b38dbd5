-- The review queue read in its order from an index. ListItems used to join every pending item
-- to its probe verdict to rank it, sort them all and keep one page: 0.6-1.9 s at 100,000 items
-- whatever the page size. The verdict an item ranks by is now a column of the item, kept by
-- triggers as probes decide, so the queue order (due_at, signal DESC, id) is an index and a
-- page reads its own rows (keyset paging from the last one).

-- The latest verdict of the item's video (playable, degraded, unplayable); NULL until probed
-- and for channels.
ALTER TABLE review.items ADD COLUMN playability text;
UPDATE review.items i SET playability = pv.verdict
    FROM probe.verdicts pv WHERE i.target_kind = 'video' AND pv.video_id = i.target_id;
-- An unplayable video comes first among items due at the same time.
ALTER TABLE review.items ADD COLUMN signal integer NOT NULL
    GENERATED ALWAYS AS (priority + CASE WHEN playability = 'unplayable' THEN 1 ELSE 0 END) STORED;

-- The channel of the item: the video's (a video never moves to another channel), or the
-- channel item's own; NULL for a video not ingested when its item was raised.
ALTER TABLE review.items ADD COLUMN channel_id text;
UPDATE review.items i SET channel_id = CASE WHEN i.target_kind = 'channel' THEN i.target_id
    ELSE (SELECT v.channel_id FROM ingest.videos v WHERE v.id = i.target_id) END;

-- An item raised for a video probed before starts with its verdict, and every item with its channel.
CREATE FUNCTION review.start_with_verdict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.target_kind = 'video' THEN
        NEW.playability := (SELECT verdict FROM probe.verdicts WHERE video_id = NEW.target_id);
        NEW.channel_id := (SELECT channel_id FROM ingest.videos WHERE id = NEW.target_id);
    ELSE
        NEW.channel_id := NEW.target_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER items_start_with_verdict BEFORE INSERT ON review.items
    FOR EACH ROW EXECUTE FUNCTION review.start_with_verdict();

-- A new verdict reaches the video's items.
CREATE FUNCTION review.follow_verdict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE review.items SET playability = NULL
            WHERE target_kind = 'video' AND target_id = OLD.video_id AND playability IS NOT NULL;
        RETURN OLD;
    END IF;
    UPDATE review.items SET playability = NEW.verdict
        WHERE target_kind = 'video' AND target_id = NEW.video_id AND playability IS DISTINCT FROM NEW.verdict;
    RETURN NEW;
END $$;
CREATE TRIGGER verdicts_reach_items AFTER INSERT OR UPDATE OR DELETE ON probe.verdicts
    FOR EACH ROW EXECUTE FUNCTION review.follow_verdict();

-- The queue order, one index per set of items a list reads: the pending ones (open, claimed,
-- escalated; what curators list and claim), those of one channel, the escalated ones (the
-- lead's), the decided ones. Live claims are read by items_leases.
DROP INDEX review.items_pending_by_due;
CREATE INDEX items_queue ON review.items (due_at, signal DESC, id) WHERE state <> 'decided';
CREATE INDEX items_channel_queue ON review.items (channel_id, due_at, signal DESC, id) WHERE state <> 'decided';
CREATE INDEX items_escalated_queue ON review.items (due_at, signal DESC, id) WHERE state = 'escalated';
CREATE INDEX items_decided_queue ON review.items (due_at, signal DESC, id) WHERE state = 'decided';
