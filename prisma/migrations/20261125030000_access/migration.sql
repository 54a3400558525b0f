-- Identity, roles, cross-department grants, emergency linkage rules and access events (issue 7).
-- Independent of the ingest migration: it only references the init tables.

-- ---- Identities (Better Auth's tables, through its Prisma adapter) ----

CREATE TABLE "auth_user" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "email_verified" BOOLEAN NOT NULL DEFAULT false,
    "image" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "two_factor_enabled" BOOLEAN DEFAULT false,
    -- Every console user belongs to one department and holds one role.
    "department_id" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'official',
    "disabled" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "auth_user_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "auth_user_role_check" CHECK ("role" IN ('official', 'dept_admin', 'auditor', 'sysadmin'))
);
CREATE UNIQUE INDEX "auth_user_email_key" ON "auth_user"("email");
CREATE INDEX "auth_user_department_id_idx" ON "auth_user"("department_id");
ALTER TABLE "auth_user" ADD CONSTRAINT "auth_user_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "auth_session" (
    "id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ip_address" TEXT,
    "user_agent" TEXT,
    "user_id" TEXT NOT NULL,
    -- How the session was authenticated: pwd, pwd+totp, oidc (see lib/auth/auth.ts).
    "amr" TEXT,

    CONSTRAINT "auth_session_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "auth_session_token_key" ON "auth_session"("token");
CREATE INDEX "auth_session_user_id_idx" ON "auth_session"("user_id");
ALTER TABLE "auth_session" ADD CONSTRAINT "auth_session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "auth_account" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "provider_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "access_token" TEXT,
    "refresh_token" TEXT,
    "id_token" TEXT,
    "access_token_expires_at" TIMESTAMPTZ(3),
    "refresh_token_expires_at" TIMESTAMPTZ(3),
    "scope" TEXT,
    "password" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_account_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "auth_account_user_id_idx" ON "auth_account"("user_id");
ALTER TABLE "auth_account" ADD CONSTRAINT "auth_account_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "auth_verification" (
    "id" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_verification_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "auth_verification_identifier_idx" ON "auth_verification"("identifier");

CREATE TABLE "auth_two_factor" (
    "id" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "backup_codes" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "verified" BOOLEAN DEFAULT true,
    "failed_verification_count" INTEGER DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),

    CONSTRAINT "auth_two_factor_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "auth_two_factor_secret_idx" ON "auth_two_factor"("secret");
CREATE INDEX "auth_two_factor_user_id_idx" ON "auth_two_factor"("user_id");
ALTER TABLE "auth_two_factor" ADD CONSTRAINT "auth_two_factor_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---- Cross-department data grants ----

-- A grant's current state. Every change is a grant.v1 ledger entry whose row is in grant_event.
CREATE TABLE "data_grant" (
    "id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "owner_department_id" TEXT NOT NULL,
    "grantee_department_id" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    -- Fields of the dataset's readings the grantee may read; NULL means every field.
    "fields" TEXT[],
    "purpose" TEXT NOT NULL,
    -- Time window of the data (observed_at) the grantee may read; NULL ends are open.
    "data_from" TIMESTAMPTZ(3),
    "data_until" TIMESTAMPTZ(3),
    -- Area the grantee may read (emergency rules: readings within radius of a point).
    "area_lon" DOUBLE PRECISION,
    "area_lat" DOUBLE PRECISION,
    "area_radius_m" DOUBLE PRECISION,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_until" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "requested_terms" JSONB NOT NULL DEFAULT '{}',
    "requested_by" TEXT NOT NULL,
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "ended_by" TEXT,
    "ended_at" TIMESTAMPTZ(3),
    "reason" TEXT,
    "automatic" BOOLEAN NOT NULL DEFAULT false,
    "rule_id" TEXT,
    "trigger_ref" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "data_grant_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "data_grant_scope_check" CHECK ("scope" IN ('raw', 'aggregated', 'anonymized')),
    CONSTRAINT "data_grant_status_check" CHECK ("status" IN ('requested', 'active', 'rejected', 'revoked', 'expired')),
    CONSTRAINT "data_grant_valid_check" CHECK ("valid_from" <= "valid_until"),
    CONSTRAINT "data_grant_window_check" CHECK ("data_from" IS NULL OR "data_until" IS NULL OR "data_from" <= "data_until")
);
CREATE INDEX "data_grant_lookup_idx" ON "data_grant"("grantee_department_id", "dataset_id", "status");
CREATE INDEX "data_grant_owner_idx" ON "data_grant"("owner_department_id", "status");
CREATE INDEX "data_grant_status_valid_until_idx" ON "data_grant"("status", "valid_until");
-- A rule grants at most once per trigger (incident) and dataset.
CREATE UNIQUE INDEX "data_grant_rule_trigger_key" ON "data_grant"("rule_id", "trigger_ref", "dataset_id") WHERE "rule_id" IS NOT NULL;
ALTER TABLE "data_grant" ADD CONSTRAINT "data_grant_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "data_grant" ADD CONSTRAINT "data_grant_owner_department_id_fkey" FOREIGN KEY ("owner_department_id") REFERENCES "department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "data_grant" ADD CONSTRAINT "data_grant_grantee_department_id_fkey" FOREIGN KEY ("grantee_department_id") REFERENCES "department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The history of each grant, one row per ledgered change (append-only).
CREATE TABLE "grant_event" (
    "id" BIGSERIAL NOT NULL,
    "grant_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "by_user" TEXT NOT NULL,
    "by_department" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "terms" JSONB NOT NULL,
    "reason" TEXT,
    "leaf_index" BIGINT NOT NULL,

    CONSTRAINT "grant_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "grant_event_grant_id_idx" ON "grant_event"("grant_id", "id");

-- ---- Emergency linkage rules ----

CREATE TABLE "linkage_rule" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "definition" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "linkage_rule_pkey" PRIMARY KEY ("id")
);

-- Each rule change, ledgered as rule.v1 (the entry commits to the hash of "definition").
CREATE TABLE "rule_event" (
    "id" BIGSERIAL NOT NULL,
    "rule_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "by_user" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "leaf_index" BIGINT NOT NULL,

    CONSTRAINT "rule_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "rule_event_rule_id_idx" ON "rule_event"("rule_id", "id");

-- How far the rule engine has read the incident readings (one row per engine).
CREATE TABLE "rule_cursor" (
    "id" TEXT NOT NULL,
    "last_reading_id" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rule_cursor_pkey" PRIMARY KEY ("id")
);

-- ---- Access events ----

-- Every read of data: who, which dataset and records, under which basis, when.
-- batch_id is set when the event is ledgered in an access.v1 batch.
CREATE TABLE "access_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "user_id" TEXT,
    "department_id" TEXT,
    "role" TEXT,
    "dataset_id" TEXT NOT NULL,
    "owner_department_id" TEXT NOT NULL,
    "basis" TEXT NOT NULL,
    "grant_id" TEXT,
    "scope" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "record_count" INTEGER,
    "range_from" TIMESTAMPTZ(3),
    "range_until" TIMESTAMPTZ(3),
    "batch_id" TEXT,

    CONSTRAINT "access_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "access_event_unbatched_idx" ON "access_event"("id") WHERE "batch_id" IS NULL;
CREATE INDEX "access_event_owner_idx" ON "access_event"("owner_department_id", "id");
CREATE INDEX "access_event_dataset_idx" ON "access_event"("dataset_id", "id");
CREATE INDEX "access_event_batch_idx" ON "access_event"("batch_id");

-- A batch of access events committed to the ledger as one access.v1 entry.
CREATE TABLE "access_batch" (
    "id" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "first_at" TIMESTAMPTZ(3) NOT NULL,
    "last_at" TIMESTAMPTZ(3) NOT NULL,
    "events_hash" TEXT NOT NULL,
    "leaf_index" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "access_batch_pkey" PRIMARY KEY ("id")
);

-- History rows are append-only like the ledger they mirror.
CREATE TRIGGER grant_event_append_only BEFORE UPDATE OR DELETE ON "grant_event"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER rule_event_append_only BEFORE UPDATE OR DELETE ON "rule_event"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER access_batch_append_only BEFORE UPDATE OR DELETE ON "access_batch"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
