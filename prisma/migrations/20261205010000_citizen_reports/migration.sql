-- Citizen reports (issue 20). A report's content as the reporter signed it, its photos by
-- SHA-256, its private contact details (owning department only) and its status history; each
-- report and status change is a report.v1 ledger leaf (leaf_index) committing to hashes only.
CREATE TABLE "citizen_report" (
    "id" TEXT NOT NULL,
    "service_code" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "lon" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "location_cell" TEXT NOT NULL,
    "address" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "photo_hashes" TEXT[] NOT NULL DEFAULT '{}',
    "reporter" TEXT NOT NULL,
    "reporter_key" BYTEA,
    "signature" BYTEA,
    "signed_at" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "leaf_index" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "citizen_report_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "citizen_report_token_key" ON "citizen_report"("token");
CREATE INDEX "citizen_report_reporter_idx" ON "citizen_report"("reporter");
CREATE INDEX "citizen_report_department_id_status_idx" ON "citizen_report"("department_id", "status");
CREATE INDEX "citizen_report_created_at_idx" ON "citizen_report"("created_at");

CREATE TABLE "citizen_photo" (
    "sha256" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "citizen_photo_pkey" PRIMARY KEY ("sha256")
);

CREATE TABLE "citizen_report_contact" (
    "report_id" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "phone" TEXT,

    CONSTRAINT "citizen_report_contact_pkey" PRIMARY KEY ("report_id")
);

CREATE TABLE "citizen_report_event" (
    "id" TEXT NOT NULL,
    "report_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "by_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "note" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "leaf_index" BIGINT NOT NULL,

    CONSTRAINT "citizen_report_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "citizen_report_event_report_id_at_idx" ON "citizen_report_event"("report_id", "at");
