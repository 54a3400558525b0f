// RFC 8785 JSON Canonicalization Scheme (JCS): object members sorted by
// UTF-16 code units, ECMAScript number and string serialization, no
// whitespace, UTF-8 output. Values JSON cannot represent exactly are refused
// with a JsonPathError naming where they are, never silently dropped.
import { bytesEqual, loneSurrogateIndex, utf8Decode, utf8Encode } from "./encoding";
import { JsonPathError, LedgerError } from "./errors";

/** A value RFC 8785 can serialize. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 512;

/**
 * The canonical JSON text of `value`. Requires plain data: null, booleans,
 * finite numbers, well-formed strings, arrays without holes, and objects whose
 * prototype is Object.prototype or null, with no undefined, cycles, symbols,
 * functions, bigints, Dates, Maps or class instances anywhere.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, "$", parts, new Set(), 0);
  return parts.join("");
}

/** The canonical JSON of `value` as UTF-8 bytes. Same requirements as canonicalJson. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalJson(value));
}

/**
 * Parses UTF-8 bytes that must already be canonical JSON, returning the value.
 * Fails with malformed_utf8 / malformed_json, or non_canonical_json if the
 * bytes are valid JSON in any other spelling (whitespace, key order, number
 * form, escapes, duplicate keys).
 */
export function parseCanonicalJson(bytes: Uint8Array): JsonValue {
  const text = utf8Decode(bytes);
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new LedgerError("malformed_json", e instanceof Error ? e.message : "invalid JSON");
  }
  let again: Uint8Array;
  try {
    again = canonicalJsonBytes(value);
  } catch (e) {
    // JSON.parse can produce values JCS refuses, e.g. 1e999 → Infinity.
    if (e instanceof LedgerError) throw new LedgerError("non_canonical_json", e.message);
    throw e;
  }
  if (!bytesEqual(again, bytes)) throw new LedgerError("non_canonical_json", "bytes are valid JSON but not in RFC 8785 canonical form");
  return value;
}

function write(value: unknown, path: string, out: string[], stack: Set<object>, depth: number): void {
  if (value === null) {
    out.push("null");
    return;
  }
  switch (typeof value) {
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "number":
      if (!Number.isFinite(value)) throw new JsonPathError("json_unsupported_value", path, `got ${value}, want a finite number`);
      out.push(String(value)); // ECMAScript Number::toString, as RFC 8785 §3.2.2.3 requires; -0 → "0"
      return;
    case "string":
      out.push(quote(value, path));
      return;
    case "undefined":
      throw new JsonPathError("json_unsupported_value", path, "got undefined, want a JSON value");
    case "object":
      break;
    default:
      throw new JsonPathError("json_unsupported_value", path, `got ${typeof value}, want a JSON value`);
  }
  const obj = value as object;
  if (depth >= MAX_DEPTH) throw new JsonPathError("json_unsupported_value", path, `nested deeper than ${MAX_DEPTH}`);
  if (stack.has(obj)) throw new JsonPathError("json_unsupported_value", path, "cycle, want a tree");
  if (Object.getOwnPropertySymbols(obj).length > 0) throw new JsonPathError("json_unsupported_value", path, "object has symbol keys");
  stack.add(obj);
  if (Array.isArray(obj)) {
    if (Object.getPrototypeOf(obj) !== Array.prototype) throw new JsonPathError("json_unsupported_value", path, "array subclass, want a plain array");
    out.push("[");
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(",");
      if (!(i in obj)) throw new JsonPathError("json_unsupported_value", `${path}[${i}]`, "array hole, want a JSON value");
      write(obj[i], `${path}[${i}]`, out, stack, depth + 1);
    }
    out.push("]");
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? "unknown";
      throw new JsonPathError("json_unsupported_value", path, `got a ${name}, want a plain object`);
    }
    // Default sort compares UTF-16 code units, exactly as RFC 8785 §3.2.3 requires.
    const keys = Object.keys(obj).sort();
    out.push("{");
    keys.forEach((k, i) => {
      const childPath = `${path}${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`}`;
      const desc = Object.getOwnPropertyDescriptor(obj, k)!;
      if (desc.get !== undefined || desc.set !== undefined) throw new JsonPathError("json_unsupported_value", childPath, "accessor property, want data");
      if (i > 0) out.push(",");
      out.push(quote(k, `${childPath} (key)`), ":");
      write(desc.value, childPath, out, stack, depth + 1);
    });
    out.push("}");
  }
  stack.delete(obj);
}

function quote(s: string, path: string): string {
  const bad = loneSurrogateIndex(s);
  if (bad >= 0) throw new JsonPathError("json_unsupported_value", path, `lone surrogate at index ${bad}, want well-formed Unicode`);
  // For well-formed strings JSON.stringify escapes exactly as RFC 8785 §3.2.2.2:
  // \" \\ \b \f \n \r \t, other controls as \u00xx (lowercase), nothing else.
  return JSON.stringify(s);
}
