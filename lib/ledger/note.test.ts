import { describe, it, expect } from "vitest";
import { webCryptoEd25519 } from "./ed25519";
import { LedgerError } from "./errors";
import { nodeEd25519 } from "./node-crypto";
import {
  type NoteVerifier,
  computeKeyId,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatNote,
  generateNoteKey,
  keyIdHex,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from "./note";

// Known answers from golang.org/x/mod/sumdb/note (note.go doc and note_test.go).
const PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    return `untyped: ${String(e)}`;
  }
  return "ok";
}

describe.each([
  ["WebCrypto", webCryptoEd25519()],
  ["node:crypto", nodeEd25519],
])("signed notes on %s", (_, ed) => {
  it("signs the Go example note byte for byte", async () => {
    const signer = await ed25519NoteSigner(ed, PETER_SKEY);
    expect(signer.keyId).toBe(0xc74f20a3);
    expect(await signNote(TEXT, [signer])).toBe(`${TEXT}\n${PETER_SIG}`);
    // An existing signature by the same key is replaced, not repeated.
    const again = await signNote(TEXT, [signer], parseNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`).signatures);
    expect(again).toBe(`${TEXT}\n${ENOCH_SIG}${PETER_SIG}`);
  });

  it("opens the Go example notes", async () => {
    const peter = await ed25519NoteVerifier(ed, PETER_VKEY);
    const enoch = await ed25519NoteVerifier(ed, ENOCH_VKEY);
    const one = await openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
    expect(one.text).toBe(TEXT);
    expect(one.verified.map((s) => s.name)).toEqual(["PeterNeumann"]);
    expect(one.unverified.map((s) => `${s.name}+${keyIdHex(s.keyId)}`)).toEqual(["EnochRoot+af0cfe78"]);
    const both = await openNote(new TextEncoder().encode(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`), [peter, enoch]);
    expect(both.verified.map((s) => s.name)).toEqual(["PeterNeumann", "EnochRoot"]);
    await expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [])).rejects.toThrow("unverified_note: note has no verifiable signatures (2 from unknown keys)");
    // Repeated signatures are dropped; repeated unknown ones listed once.
    const dup = await openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}`, [peter]);
    expect(dup.verified.length).toBe(1);
    expect(dup.unverified.length).toBe(1);
  });

  it("rejects a bad signature from a known key, ignores one from an unknown key", async () => {
    const peter = await ed25519NoteVerifier(ed, PETER_VKEY);
    const forged = `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    await expect(openNote(forged, [peter])).rejects.toThrow("bad_signature: invalid signature for key PeterNeumann+c74f20a3");
    const otherText = await openNote(`Another text\n\n${PETER_SIG}`, [peter]).catch((e) => e);
    expect(otherText.code).toBe("bad_signature");
    // Same name, different key ID: unknown, so ignored.
    const misId = `${TEXT}\n${PETER_SIG.replace("x08g", "xxxx")}`;
    expect(await code(openNote(misId, [peter]))).toBe("unverified_note");
  });

  it("refuses two known keys with the same name and ID", async () => {
    const enoch = await ed25519NoteVerifier(ed, ENOCH_VKEY);
    const peter = await ed25519NoteVerifier(ed, PETER_VKEY);
    await expect(openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch])).rejects.toThrow("ambiguous_key");
    await openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]);
  });

  it("generates keys that sign and verify", async () => {
    const { signerKey, verifierKey } = await generateNoteKey(ed, "city.example/ledger");
    expect(signerKey).toMatch(/^PRIVATE\+KEY\+city\.example\/ledger\+[0-9a-f]{8}\+/);
    const signer = await ed25519NoteSigner(ed, signerKey);
    const verifier = await ed25519NoteVerifier(ed, verifierKey);
    expect(signer.keyId).toBe(verifier.keyId);
    const note = await signNote("hello\n", [signer]);
    expect((await openNote(note, [verifier])).text).toBe("hello\n");
  });
});

describe("note syntax", () => {
  const fake: NoteVerifier = { name: "PeterNeumann", keyId: 0xc74f20a3, verify: async () => true };
  const bad: Array<[string, string, string]> = [
    ["text only", TEXT, "no blank line before the signatures"],
    ["blank line, no signatures", `${TEXT}\n`, "signature block must be non-empty and end in a newline"],
    ["last signature without newline", `${TEXT}\n${PETER_SIG.slice(0, -1)}`, "signature block must be non-empty and end in a newline"],
    ["control character", `\x01${TEXT}\n${PETER_SIG}`, "control character U+0001"],
    ["tab", `a\tb\n\n${PETER_SIG}`, "control character U+0009"],
    ["carriage return", `${TEXT.replace("\n", "\r\n")}\n${PETER_SIG}`, "control character U+000d"],
    ["name with space", `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, "signature line 1: signature is not canonical base64"],
    ["unexpected line", `${TEXT}\n${PETER_SIG}Unexpected line.\n`, 'signature line 2 must start with "— "'],
    ["name with plus", `${TEXT}\n— a+b x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, "key name \"a+b\""],
    ["empty name", `${TEXT}\n—  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, 'key name ""'],
    ["no space after name", `${TEXT}\n— PeterNeumann\n`, "missing signature after the key name"],
    ["signature too short", `${TEXT}\n— PeterNeumann AAAAAA==\n`, "4 signature bytes, want at least 5"],
    ["ASCII dash", `${TEXT}\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, 'must start with "— "'],
    ["101 signatures", `${TEXT}\n${PETER_SIG.repeat(101)}`, "101 signature lines, want at most 100"],
    ["lone surrogate", `a\ud800\n\n${PETER_SIG}`, "lone surrogate"],
  ];
  it.each(bad)("refuses %s", async (_, msg, text) => {
    let err: unknown;
    try {
      await openNote(msg, [fake]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe("malformed_note");
    expect((err as Error).message).toContain(text);
  });

  it("refuses invalid UTF-8 bytes", async () => {
    const bytes = new Uint8Array([0xff, ...new TextEncoder().encode(`${TEXT}\n${PETER_SIG}`)]);
    await expect(openNote(bytes, [fake])).rejects.toThrow("malformed_note: not valid UTF-8");
  });

  it("accepts 100 signatures and empty lines inside the text", async () => {
    expect(parseNote(`${TEXT}\n${PETER_SIG.repeat(100)}`).signatures.length).toBe(100);
    const n = parseNote(`a\n\nb\n\n${PETER_SIG}`);
    expect(n.text).toBe("a\n\nb\n");
  });

  it("refuses to format text without a final newline or with control characters", () => {
    const sig = parseNote(`${TEXT}\n${PETER_SIG}`).signatures[0];
    expect(() => formatNote("abc", [sig])).toThrow("malformed_note: note text must end in a newline");
    expect(() => formatNote("a\tb\n", [sig])).toThrow("malformed_note: control character");
    expect(formatNote(TEXT, [sig])).toBe(`${TEXT}\n${PETER_SIG}`);
  });
});

describe("key strings", () => {
  it("decodes the Go example keys", () => {
    const v = parseVerifierKey(PETER_VKEY);
    expect(v.name).toBe("PeterNeumann");
    expect(keyIdHex(v.keyId)).toBe("c74f20a3");
    expect(v.type).toBe(1);
    expect(v.key.length).toBe(32);
    expect(computeKeyId("PeterNeumann", 1, v.key)).toBe(0xc74f20a3);
    expect(parseSignerKey(PETER_SKEY).key.length).toBe(32);
  });

  it("refuses every substring and every single-character mangling of a verifier key (as Go's test)", async () => {
    const ed = nodeEd25519;
    const failures: string[] = [];
    const tryKey = async (k: string) => {
      const c = await code(ed25519NoteVerifier(ed, k));
      if (c === "ok" || c.startsWith("untyped")) failures.push(`${k}: ${c}`);
    };
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) if (i !== 0 || j !== PETER_VKEY.length) await tryKey(PETER_VKEY.slice(i, j));
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      await tryKey(PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1));
    }
    expect(failures).toEqual([]);
    expect(await code(ed25519NoteVerifier(ed, "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="))).toBe("malformed_key");
    expect(await code(ed25519NoteVerifier(ed, "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"))).toBe("unknown_key_algorithm");
    expect(await code(ed25519NoteVerifier(ed, "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"))).toBe("key_hash_mismatch");
  });

  it("refuses manglings of a signer key", async () => {
    const ed = nodeEd25519;
    const failures: string[] = [];
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const k = PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      const c = await code(ed25519NoteSigner(ed, k));
      if (c === "ok" || c.startsWith("untyped")) failures.push(`${k}: ${c}`);
    }
    for (let j = 1; j < PETER_SKEY.length; j++) {
      const c = await code(ed25519NoteSigner(ed, PETER_SKEY.slice(0, j)));
      if (c === "ok" || c.startsWith("untyped")) failures.push(`${PETER_SKEY.slice(0, j)}: ${c}`);
    }
    expect(failures).toEqual([]);
  });
});
