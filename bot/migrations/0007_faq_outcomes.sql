-- FAQ: how /faq questions ended where no other table counts them: "did you mean" replies
-- ('suggested') and the choices askers picked from them ('picked'). Answers are counted per entry
-- in faq_usage, questions nothing answered in faq_unanswered.

CREATE TABLE faq_outcomes (
    kind TEXT PRIMARY KEY CHECK (kind IN ('suggested', 'picked')),
    count INTEGER NOT NULL DEFAULT 0
)
