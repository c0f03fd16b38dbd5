-- Evidence notes (issue 16): what the curator saw at a time in the video, kept with the decision
-- in its log entry and covered by the entry's content hash. Two arrays of one length, the notes
-- in the order the curator gave them; empty for every entry written before.
ALTER TABLE modlog.entries
    ADD COLUMN evidence_offsets_ms bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN evidence_texts text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT entries_evidence_paired
        CHECK (cardinality(evidence_offsets_ms) = cardinality(evidence_texts));
