-- OAuth 2.0 client credentials (RFC 6749 §4.4) for departments' system accounts (issue 19).
-- An OAuth client is an api_key row of kind 'oauth_client': its id is the client_id, only
-- SHA-256 of its secret is kept, and it is listed and revoked with the department's API keys.
-- The short-lived bearer tokens it obtains at POST /oauth/token are kept as SHA-256 too.
ALTER TABLE "api_key" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'key';
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_kind_check" CHECK ("kind" IN ('key', 'oauth_client'));

CREATE TABLE "oauth_token" (
    "token_hash" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "oauth_token_pkey" PRIMARY KEY ("token_hash")
);
CREATE INDEX "oauth_token_expires_at_idx" ON "oauth_token"("expires_at");
