-- The council's term report reads review items by upload and by deadline over a period,
-- decided or not; the existing indexes cover only pending or decided items.
CREATE INDEX items_uploaded_at ON review.items (uploaded_at);
CREATE INDEX items_due_at ON review.items (due_at);
