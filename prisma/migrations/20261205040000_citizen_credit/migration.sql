-- Credit for citizen reports (issue 20): points a pseudonymous reporter key earned for a
-- report, each row a credit.v1 ledger leaf (leaf_index). A revocation is a row with a
-- negative amount; rows are never updated or deleted, and nothing cascades into them.
CREATE TABLE "citizen_credit" (
    "id" TEXT NOT NULL,
    "reporter" TEXT NOT NULL,
    "report_id" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "leaf_index" BIGINT NOT NULL,

    CONSTRAINT "citizen_credit_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "citizen_credit_reporter_idx" ON "citizen_credit"("reporter");
CREATE INDEX "citizen_credit_report_id_idx" ON "citizen_credit"("report_id");
