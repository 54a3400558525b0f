// What a verifier check found, as a message key with parameters (rendered in the reader's
// language by the page, in English for the command line), never as English built here.
import { en, type MessageKey } from "../i18n/messages";
import { fill } from "../i18n/fill";
import { LedgerError } from "../ledger/errors";

/** An instant (ISO 8601), shown as the reader's page shows times (the city's local time); as it is on the command line. */
export type Instant = { time: string };
/** A message and its parameters; a parameter may itself be a note (e.g. "the reading's entry") or an instant. */
export type Note = { key: MessageKey; params?: Record<string, string | number | Note | Instant>; cause?: Cause };
/** Why a step failed: one of the verifier's own notes, or an error of lib/ledger (its code) or elsewhere, with its technical text. */
export type Cause = { note: Note } | { code: string | null; text: string };

export const note = (key: MessageKey, params?: Note["params"], cause?: Cause): Note => ({ key, ...(params ? { params } : {}), ...(cause ? { cause } : {}) });

/** A failure the verifier names itself; caught into the cause of a failed check. */
export class NoteError extends Error {
  constructor(readonly note: Note) {
    super(renderNote(note, (k) => en[k]));
  }
}
export const fail = (key: MessageKey, params?: Note["params"]): never => {
  throw new NoteError(note(key, params));
};

/** The cause a thrown value gives: a NoteError's note, a LedgerError's code, or another error's text. */
export function causeOf(e: unknown): Cause {
  if (e instanceof NoteError) return { note: e.note };
  if (e instanceof LedgerError) return { code: e.code, text: e.message };
  return { code: null, text: e instanceof Error ? e.message : String(e) };
}

type T = (k: MessageKey) => string;
type Time = (iso: string) => string;

/**
 * A note in words. `technical`: a lib/ledger error is given in its own (English) words, as
 * the command line and the English page show it; otherwise by its code's message. `time`
 * shows an instant (default: as it is, ISO 8601).
 */
export function renderNote(n: Note, t: T, technical = true, time: Time = (iso) => iso): string {
  const params = Object.fromEntries(
    Object.entries(n.params ?? {}).map(([k, v]) => [k, typeof v !== "object" ? v : "time" in v ? time(v.time) : renderNote(v, t, technical, time)]),
  );
  const text = fill(t(n.key), params);
  return n.cause ? fill(t("checkNote.because"), { text, cause: causeText(n.cause, t, technical, time) }) : text;
}

function causeText(c: Cause, t: T, technical: boolean, time: Time): string {
  if ("note" in c) return renderNote(c.note, t, technical, time);
  const key = `ledgerError.${c.code}` as MessageKey;
  return !technical && c.code && key in en ? t(key) : c.text;
}

/** The English words of a note (the `detail` of a check, for the command line and logs). */
export const englishNote = (n: Note) => renderNote(n, (k) => en[k]);
