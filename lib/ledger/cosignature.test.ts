import { describe, it, expect } from "vitest";
import {
  COSIGNATURE_BYTES,
  cosignatureMessage,
  ed25519CosignatureVerifier,
  ed25519Cosigner,
  parseCosignature,
  validCosignatures,
} from "./cosignature";
import { webCryptoEd25519 } from "./ed25519";
import { concatBytes, uint64BE } from "./encoding";
import { nodeEd25519 } from "./node-crypto";
import { computeKeyId, formatSignatureLine, openNote, parseNote, parseVerifierKey } from "./note";
import { makeLog, makeWitness } from "./log-fixture.test-helper";

describe("cosignatures (C2SP tlog-cosignature v1)", () => {
  it("parses the spec's example cosignature: key ID, then timestamp 1679315147", () => {
    const line = "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
    const sig = parseNote(`x\n\n${line}`).signatures[0];
    expect(sig.signature.length).toBe(COSIGNATURE_BYTES);
    expect(parseCosignature(sig).timestamp).toBe(1679315147);
  });

  it("signs the message the spec shows", () => {
    const body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    expect(new TextDecoder().decode(cosignatureMessage(body, 1679315147))).toBe(`cosignature/v1\ntime 1679315147\n${body}`);
    expect(() => cosignatureMessage("no newline", 1)).toThrow("invalid_argument");
  });

  it.each([
    ["WebCrypto", webCryptoEd25519()],
    ["node:crypto", nodeEd25519],
  ])("cosigns and verifies on %s, with key IDs over type 0x04", async (_, ed) => {
    const w = await makeWitness("witness.city.example/transport", ed);
    const k = parseVerifierKey(w.verifierKey);
    expect(k.type).toBe(4);
    expect(k.keyId).toBe(computeKeyId(w.name, 0x04, k.key));
    expect(k.keyId).not.toBe(computeKeyId(w.name, 0x01, k.key));
    const log = await makeLog(5, ed);
    const note = await log.checkpoint(5);
    const sig = await w.cosigner.cosign(log.body(5), 1700000000);
    expect(sig.signature.length).toBe(72);
    expect(parseCosignature(sig).timestamp).toBe(1700000000);
    // A witness response can be appended to the note and verified with note verification.
    const cosigned = note + formatSignatureLine(sig);
    const opened = await openNote(cosigned, [log.verifier, w.verifier]);
    expect(opened.verified.map((s) => s.name)).toEqual([log.origin, w.name]);
    expect(await validCosignatures(log.body(5), parseNote(cosigned).signatures, [w.verifier])).toEqual([{ name: w.name, keyId: k.keyId, timestamp: 1700000000 }]);
  });

  it("rejects a cosignature over another body, another time, or of the wrong length", async () => {
    const w = await makeWitness("w.example");
    const log = await makeLog(5);
    const sig = await w.cosigner.cosign(log.body(5), 1700000000);
    const text = new TextEncoder().encode(log.body(5));
    expect(await w.verifier.verify(text, sig.signature)).toBe(true);
    expect(await w.verifier.verify(new TextEncoder().encode(log.body(4)), sig.signature)).toBe(false);
    const retimed = concatBytes(uint64BE(1700000001), sig.signature.slice(8));
    expect(await w.verifier.verify(text, retimed)).toBe(false);
    expect(await w.verifier.verify(text, sig.signature.slice(1))).toBe(false);
    const far = concatBytes(new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0]), sig.signature.slice(8));
    expect(await w.verifier.verify(text, far)).toBe(false);
    await expect(validCosignatures(log.body(4), [sig], [w.verifier])).rejects.toThrow("bad_signature: invalid cosignature for witness key w.example+");
  });

  it("refuses note keys as cosigner keys and cosigner keys as note keys", async () => {
    const log = await makeLog(1);
    const w = await makeWitness("w.example");
    await expect(ed25519CosignatureVerifier(nodeEd25519, log.verifierKey)).rejects.toThrow("unknown_key_algorithm");
    await expect(ed25519Cosigner(nodeEd25519, log.signerKey)).rejects.toThrow("unknown_key_algorithm");
    const { ed25519NoteVerifier } = await import("./note");
    await expect(ed25519NoteVerifier(nodeEd25519, w.verifierKey)).rejects.toThrow("unknown_key_algorithm: verifier key has signature type 0x04, want 0x01");
  });
});
