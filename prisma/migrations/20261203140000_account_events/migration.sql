-- Account history (issue 13, separation of duties): every creation of a console account, change
-- of its role, department or status (disabled), deletion, and the baseline of an account that
-- existed before account changes were ledgered, one row per account.v1 ledger entry
-- (append-only). by_department is the actor's own department when they acted.
CREATE TABLE "account_event" (
    "id" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL,
    "by_user" TEXT NOT NULL,
    "by_department" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "leaf_index" BIGINT NOT NULL,

    CONSTRAINT "account_event_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "account_event_action_check" CHECK ("action" IN ('create', 'change', 'delete', 'baseline'))
);
CREATE INDEX "account_event_user_id_idx" ON "account_event"("user_id", "leaf_index");

CREATE TRIGGER account_event_append_only BEFORE UPDATE OR DELETE ON "account_event"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
