/** Why the intake refused a message; each refused message is kept as a dead letter with one of these. */
export const REFUSAL_REASONS = [
  "malformed_json",
  "oversize",
  "schema",
  "unknown_field",
  "out_of_range",
  "future_timestamp",
  "before_2000",
  "before_registration",
  "unknown_device",
  "revoked_key",
  "bad_signature",
  "replay",
  "bad_gateway_signature",
  "gateway_quarantined",
  "internal",
  "refused_lines",
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** A refusal: the reason code, a sentence saying what was wrong, and the path of the bad field if any. */
export type Refusal = { reason: RefusalReason; message: string; path?: string; device?: string; department?: string };

export class RefusedError extends Error {
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(refusal.message);
    this.name = "RefusedError";
    this.refusal = refusal;
  }
}

export const refuse = (reason: RefusalReason, message: string, path?: string): Refusal => (path ? { reason, message, path } : { reason, message });
