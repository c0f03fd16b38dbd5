-- The lease rules of the review queue, written once for every statement that picks items by them
-- (list pages, claims, renewals, decisions, the queue's counts, the lease sweeper), which used to
-- spell "a lapsed claim is open" each in its own words. The same rules are C++ functions for rows
-- already read (LeaseLapsed, HoldsLiveLease, EffectiveState in include/curation/review/rules.hpp);
-- review_test checks that both agree. Each is one SQL expression, which PostgreSQL inlines where
-- it is used, so the plans and their indexes stay what they were.

-- A claim whose lease ran out at `as_of` (or that has no lease time, which no write leaves) is
-- open again, whether or not the lease sweeper has returned it to the queue yet.
CREATE FUNCTION review.lease_lapsed(state text, lease_expires_at timestamptz, as_of timestamptz)
    RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT state = 'claimed' AND (lease_expires_at <= as_of OR lease_expires_at IS NULL) $$;

-- A claim holds until its lease runs out: a claim that has not lapsed.
CREATE FUNCTION review.lease_live(state text, lease_expires_at timestamptz, as_of timestamptz)
    RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT state = 'claimed' AND lease_expires_at > as_of $$;

-- Whether `holder` holds a live lease on the item.
CREATE FUNCTION review.lease_held_by(state text, lease_holder text, lease_expires_at timestamptz, holder text,
                                     as_of timestamptz)
    RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT review.lease_live(state, lease_expires_at, as_of) AND lease_holder = holder $$;

-- The state an item is in at `as_of`: open for a lapsed claim, else as stored.
CREATE FUNCTION review.effective_state(state text, lease_expires_at timestamptz, as_of timestamptz)
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN review.lease_lapsed(state, lease_expires_at, as_of) THEN 'open' ELSE state END $$;
