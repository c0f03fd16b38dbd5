-- Who performed a moderator action is stored in ingest's own words (issue 15): ingest reads the
-- query node's actor __typename through its table (kActorKinds and kActorTypenames in
-- include/curation/ingest/vocabulary.hpp) and stores the kind it names, setting aside an event
-- whose actor it does not know, so every later reader (the reconciler, reports) sees one spelling.
-- Rows stored before kept the query node's spelling; they are converted here. The query node's
-- actor union has only these three members; anything else was read as a member by the
-- reconciler, so it stays a member and the names already written to the log still agree.
UPDATE ingest.moderator_events
   SET actor_kind = CASE actor_kind
                        WHEN 'ContentActorCurator' THEN 'curator'
                        WHEN 'ContentActorLead' THEN 'lead'
                        ELSE 'member'
                    END
 WHERE actor_kind NOT IN ('curator', 'lead', 'member');

ALTER TABLE ingest.moderator_events
    ADD CONSTRAINT moderator_events_actor_kind CHECK (actor_kind IN ('curator', 'lead', 'member'));

COMMENT ON COLUMN ingest.moderator_events.actor_kind
    IS 'curator (with actor_curator_id), lead, or member (with actor_member_id)';
