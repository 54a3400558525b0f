-- Reporter keys a department marked abusive (issue 20), and the appeal and decision that
-- follow: one current row per key and one history row per reporter.v1 ledger leaf (leaf_index).
-- The texts (reason, appeal, decision note) are kept here; the ledger commits to their hashes.
CREATE TABLE "citizen_key_flag" (
    "reporter" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "appeal" TEXT,
    "decision_note" TEXT,
    "flagged_by" TEXT NOT NULL,
    "flagged_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "leaf_index" BIGINT NOT NULL,

    CONSTRAINT "citizen_key_flag_pkey" PRIMARY KEY ("reporter")
);
CREATE INDEX "citizen_key_flag_department_id_status_idx" ON "citizen_key_flag"("department_id", "status");

CREATE TABLE "citizen_key_flag_event" (
    "id" TEXT NOT NULL,
    "reporter" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "by_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "leaf_index" BIGINT NOT NULL,

    CONSTRAINT "citizen_key_flag_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "citizen_key_flag_event_reporter_at_idx" ON "citizen_key_flag_event"("reporter", "at");
