-- The council's term report reads review items by upload time over a period, decided or not
-- (the existing indexes cover only pending or decided items), and on-chain actions by when they
-- happened on chain.
CREATE INDEX items_uploaded_at ON review.items (uploaded_at);
CREATE INDEX entries_chain_event_at ON modlog.entries (chain_event_at) WHERE chain_event_at IS NOT NULL;
