import { describe, expect, it } from "vitest";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { toBase64 } from "../ledger/encoding";
import { sha256 } from "../ledger/sha256";
import { reportContentBytes, reporterIdOf, sha256Hex, type ReportContent } from "./report-content";
import { reportEntry } from "./report-entry";
import { verifyReportReceipt } from "./verify-report-receipt";

// The signature and content checks of a report receipt (the ledger checks are verify-datum's,
// tested there): the receipt's proof is left unverifiable here, so only those two are asserted.
describe("verifyReportReceipt", async () => {
  const ed = webCryptoEd25519();
  const me = await ed.importSeed(new Uint8Array(32).fill(3));
  const other = await ed.importSeed(new Uint8Array(32).fill(4));
  const content: ReportContent = { kind: "city-brain-report.v1", serviceCode: "noise", description: "Drilling at 2 am", lon: 121.45, lat: 37.46, attributes: {}, photos: [], reporterKey: toBase64(me.publicKey), signedAt: "2026-12-05T00:00:00.000Z" };
  const entry = reportEntry({ report: "r1", serviceCode: "noise", department: "safety", cell: "37.460,121.450", description: content.description, photos: [], contentHash: sha256Hex(reportContentBytes(content)), reporter: reporterIdOf(me.publicKey), action: "submit", status: "submitted", at: new Date(content.signedAt) });
  const receipt = (c: ReportContent, sig: Uint8Array) => ({ format: "city-brain-report-receipt/v1", report: "r1", ledger: { leafIndex: 0, entry: new TextDecoder().decode(entry.bytes), receipt: "not a proof" }, content: c, signature: toBase64(sig) });
  const trust = { origin: "x", logVerifierKey: "x+00000000+AA==", witnessVerifierKeys: ["w+00000000+AA=="] };
  const run = async (r: unknown) => Object.fromEntries((await verifyReportReceipt(r, { hasher: sha256, ed25519: ed, trust })).checks.map((c) => [c.id, c.ok]));

  it("passes the content and signature of the reporter's own receipt", async () => {
    const r = await run(receipt(content, await me.sign(reportContentBytes(content))));
    expect([r["report-content"], r["reporter-signature"]]).toEqual([true, true]);
  });
  it("fails altered content, and a signature by another key", async () => {
    const altered = { ...content, description: "nothing happened" };
    const r1 = await run(receipt(altered, await me.sign(reportContentBytes(altered))));
    expect(r1["report-content"]).toBe(false);
    const forged = { ...content, reporterKey: toBase64(other.publicKey) };
    const r2 = await run(receipt(forged, await other.sign(reportContentBytes(forged))));
    expect([r2["report-content"], r2["reporter-signature"]]).toEqual([false, false]);
    const r3 = await run(receipt(content, await other.sign(reportContentBytes(content))));
    expect([r3["report-content"], r3["reporter-signature"]]).toEqual([true, false]);
  });
  it("is a failed format check, not a throw, for something else", async () => {
    expect(await run({ format: "city-brain-report-receipt/v1" })).toEqual({ format: false });
  });
});
