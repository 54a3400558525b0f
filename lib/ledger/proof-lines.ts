// Reading the line-oriented texts that carry proofs (C2SP tlog-proof bundles, the witness
// protocol's add-checkpoint body): text from bytes or a string, line by line, and a run of
// base64 hash lines ended by an empty line. Each format names its own failures (`fail`).

import { fromBase64, utf8Decode } from "./encoding";
import { HASH_SIZE } from "./merkle";

type Fail = (why: string) => never;

/** The input as text: UTF-8 bytes or a string; anything else fails. `subject` starts the message ("" or "body "). */
export function proofText(input: unknown, fail: Fail, subject = ""): string {
  if (input instanceof Uint8Array) {
    try {
      return utf8Decode(input);
    } catch {
      return fail(`${subject ? `${subject}is ` : ""}not valid UTF-8`);
    }
  }
  if (typeof input === "string") return input;
  return fail(`${subject}got ${typeof input}, want text`);
}

/** Lines of `text`, each ended by a newline, read one at a time; `rest()` is what follows the last line read. */
export function lineReader(text: string, fail: Fail) {
  let pos = 0;
  return {
    next(what: string): string {
      const nl = text.indexOf("\n", pos);
      if (nl < 0) fail(`${what} must end in a newline`);
      const line = text.slice(pos, nl);
      pos = nl + 1;
      return line;
    },
    rest: () => text.slice(pos),
  };
}

/** Base64 hash lines up to an empty line: each canonical base64 of HASH_SIZE bytes, at most `max` of them. `what` names a line ("inclusion proof line"). */
export function readHashLines(lines: ReturnType<typeof lineReader>, what: string, max: number, fail: Fail): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (;;) {
    const l = lines.next(what);
    if (l === "") return out;
    if (out.length === max) fail(`more than ${max} ${what}s`);
    let h: Uint8Array;
    try {
      h = fromBase64(l);
    } catch {
      return fail(`${what} ${out.length + 1} is not canonical base64`);
    }
    if (h.length !== HASH_SIZE) fail(`${what} ${out.length + 1} has ${h.length} bytes, want ${HASH_SIZE}`);
    out.push(h);
  }
}
