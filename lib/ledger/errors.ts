// Typed errors for the ledger core. Every verifier in lib/ledger fails with a
// LedgerError (or a subclass) on hostile input, never with an untyped Error.

/** Machine-readable reasons a ledger operation can fail. */
export const LEDGER_ERROR_CODES = [
  "invalid_argument", // a caller broke a documented precondition (types, ranges)
  "index_out_of_range", // index >= size
  "size_order", // size1 > size2
  "bad_hash_length", // a hash is not 32 bytes
  "proof_wrong_length", // a proof has too many or too few hashes
  "root_mismatch", // computed root differs from the expected root
  "malformed_hex",
  "malformed_base64",
  "malformed_utf8",
  "malformed_json",
  "non_canonical_json", // bytes are valid JSON but not RFC 8785 canonical
  "json_unsupported_value", // a value RFC 8785 cannot represent
  "malformed_entry",
  "unknown_entry_kind",
  "entry_kind_read_only", // old entry versions may be read, not written
  "commitment_mismatch", // a salt and entry do not open a commitment.v1 entry
  "malformed_note",
  "malformed_key",
  "unknown_key_algorithm",
  "key_hash_mismatch",
  "ambiguous_key",
  "bad_signature",
  "unverified_note", // no signature from a known key
  "malformed_checkpoint",
  "origin_mismatch",
  "malformed_cosignature",
  "malformed_tile_path",
  "malformed_tile",
  "malformed_entry_bundle",
  "malformed_compact_range",
  "malformed_proof_bundle",
  "quorum_not_met",
  "malformed_witness_request",
] as const;

/** One of LEDGER_ERROR_CODES. */
export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

/** The one error type of lib/ledger: a code for programs, a message for people. */
export class LedgerError extends Error {
  readonly code: LedgerErrorCode;

  constructor(code: LedgerErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "LedgerError";
    this.code = code;
  }
}

/** A computed root hash differs from the expected one; carries both. */
export class RootMismatchError extends LedgerError {
  /** Which root failed, e.g. "root", "first root", "second root". */
  readonly which: string;
  readonly expected: Uint8Array;
  readonly computed: Uint8Array;

  constructor(which: string, expected: Uint8Array, computed: Uint8Array) {
    super("root_mismatch", `computed ${which} ${hex(computed)} does not match expected ${which} ${hex(expected)}`);
    this.name = "RootMismatchError";
    this.which = which;
    this.expected = expected;
    this.computed = computed;
  }
}

/** A JSON value cannot be canonicalized; `path` names where (e.g. `$.a[2]`). */
export class JsonPathError extends LedgerError {
  readonly path: string;

  constructor(code: LedgerErrorCode, path: string, message: string) {
    super(code, `${path}: ${message}`);
    this.name = "JsonPathError";
    this.path = path;
  }
}

/** True if `e` is a LedgerError, optionally with the given code. */
export function isLedgerError(e: unknown, code?: LedgerErrorCode): e is LedgerError {
  return e instanceof LedgerError && (code === undefined || e.code === code);
}

// Local hex to keep errors.ts free of imports (it is imported by everything).
function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}
