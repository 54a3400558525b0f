-- NGSI-LD context source (issue 19). Departments' system accounts: API keys issued by a
-- department admin, stored as SHA-256 of their secret (the key is shown once), revocable.
CREATE TABLE "api_key" (
    "id" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_by" TEXT,

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "api_key_department_id_idx" ON "api_key"("department_id");

-- NGSI-LD subscriptions: who made them (a user id or apikey:<id>, read again at each
-- notification through the same access check), what they watch, and how notifying went.
CREATE TABLE "ngsi_subscription" (
    "id" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "principal" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "times_sent" INTEGER NOT NULL DEFAULT 0,
    "times_failed" INTEGER NOT NULL DEFAULT 0,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "last_notification" TIMESTAMPTZ(3),
    "last_success" TIMESTAMPTZ(3),
    "last_failure" TIMESTAMPTZ(3),
    "last_failure_reason" TEXT,
    "next_retry_at" TIMESTAMPTZ(3),

    CONSTRAINT "ngsi_subscription_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "ngsi_subscription_department_id_idx" ON "ngsi_subscription"("department_id");
