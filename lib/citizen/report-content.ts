// What a reporter signs and what the ledger commits to. Pure: the report page builds and
// signs the same bytes in the browser that the server rebuilds and checks.
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { toHex, utf8Encode } from "../ledger/encoding";
import { sha256 } from "../ledger/sha256";

/** The content of a report as its reporter signs it (canonical JSON, RFC 8785). */
export type ReportContent = {
  kind: "city-brain-report.v1";
  serviceCode: string;
  description: string;
  lon: number;
  lat: number;
  address?: string;
  attributes: Record<string, string>;
  /** SHA-256 (hex) of each photo as stored (after location stripping), in order. */
  photos: string[];
  /** The reporter's Ed25519 public key (base64), or absent for an unsigned Open311 report. */
  reporterKey?: string;
  /** When the reporter signed it (ISO 8601, UTC). */
  signedAt: string;
};

/** Canonical bytes of a report's content: what the reporter's key signs. */
export function reportContentBytes(c: ReportContent): Uint8Array {
  const { address, reporterKey, ...rest } = c;
  return canonicalJsonBytes({ ...rest, ...(address ? { address } : {}), ...(reporterKey ? { reporterKey } : {}) });
}

export const sha256Hex = (b: Uint8Array) => toHex(sha256(b));
export const textHash = (s: string) => sha256Hex(utf8Encode(s));

/** Public precision of a location: 3 decimals of a degree (about 110 m north–south). */
export const COARSE_DECIMALS = 3;
const round = (x: number) => Number(x.toFixed(COARSE_DECIMALS));

/** The coarse cell of a point, as the ledger and public pages show it: "lat,lon" at 3 decimals. */
export function locationCell(lon: number, lat: number): string {
  return `${round(lat).toFixed(COARSE_DECIMALS)},${round(lon).toFixed(COARSE_DECIMALS)}`;
}

/** A point coarsened to its cell's centre: [lon, lat]. */
export function coarsen(lon: number, lat: number): [number, number] {
  return [round(lon), round(lat)];
}

/** The pseudonymous reporter id of a public key: "rk-" and the first 32 hex digits of its SHA-256. */
export function reporterIdOf(publicKey: Uint8Array): string {
  return `rk-${sha256Hex(publicKey).slice(0, 32)}`;
}

/** The reporter id of reports made without a key (Open311 clients that do not sign). */
export const UNSIGNED_REPORTER = "unsigned";

/** What a reporter signs to prove, to whoever chose `challenge`, that report `report` is theirs. */
export function authorshipStatement(report: string, challenge: string): Uint8Array {
  return canonicalJsonBytes({ kind: "city-brain-authorship.v1", report, challenge });
}

/** What a reporter signs to list their own reports ("My reports"); `at` must be recent. */
export function myReportsStatement(reporterKey: string, at: string): Uint8Array {
  return canonicalJsonBytes({ kind: "city-brain-my-reports.v1", reporterKey, at });
}

/** What a key holder signs to appeal a department's mark on their key (lib/citizen/key-flags.ts); `at` must be recent. */
export function appealStatement(reporterKey: string, text: string, at: string): Uint8Array {
  return canonicalJsonBytes({ kind: "city-brain-appeal.v1", reporterKey, text, at });
}
