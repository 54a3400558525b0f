import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { canonicalJson, canonicalJsonBytes, parseCanonicalJson } from "./canonical-json";
import { toHex } from "./encoding";
import { JsonPathError, LedgerError } from "./errors";

const f64 = (hex: string) => new DataView(Uint8Array.from(hex.match(/../g)!.map((x) => parseInt(x, 16))).buffer).getFloat64(0);

describe("RFC 8785 known answers", () => {
  it("serializes numbers as the Appendix B table says", () => {
    const table: Array<[string, string]> = [
      ["0000000000000000", "0"],
      ["8000000000000000", "0"],
      ["0000000000000001", "5e-324"],
      ["8000000000000001", "-5e-324"],
      ["7fefffffffffffff", "1.7976931348623157e+308"],
      ["ffefffffffffffff", "-1.7976931348623157e+308"],
      ["4340000000000000", "9007199254740992"],
      ["c340000000000000", "-9007199254740992"],
      ["4430000000000000", "295147905179352830000"],
      ["44b52d02c7e14af5", "9.999999999999997e+22"],
      ["44b52d02c7e14af6", "1e+23"],
      ["44b52d02c7e14af7", "1.0000000000000001e+23"],
      ["444b1ae4d6e2ef4e", "999999999999999700000"],
      ["444b1ae4d6e2ef4f", "999999999999999900000"],
      ["444b1ae4d6e2ef50", "1e+21"],
      ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
      ["3eb0c6f7a0b5ed8d", "0.000001"],
      ["41b3de4355555553", "333333333.3333332"],
      ["41b3de4355555554", "333333333.33333325"],
      ["41b3de4355555555", "333333333.3333333"],
      ["41b3de4355555556", "333333333.3333334"],
      ["41b3de4355555557", "333333333.33333343"],
      ["becbf647612f3696", "-0.0000033333333333333333"],
      ["43143ff3c1cb0959", "1424953923781206.2"],
    ];
    for (const [bits, want] of table) expect(canonicalJson(f64(bits)), bits).toBe(want);
    for (const bits of ["7fffffffffffffff", "7ff0000000000000"]) {
      expect(() => canonicalJson(f64(bits))).toThrow(/^json_unsupported_value: \$: got (NaN|Infinity), want a finite number$/);
    }
  });

  it("canonicalizes the §3.2.2 example", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it("sorts the §3.2.3 example by UTF-16 code units", () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    );
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it("matches the cyberphone reference test data (weird.json, UTF-8 bytes)", () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "1": "One", "\\u0080": "Control\\u007f", "\\ud83d\\ude02": "Smiley", "\\u00f6": "Latin Small Letter O With Diaeresis", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}',
    );
    const want = '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalJson(input)).toBe(want);
    expect(toHex(canonicalJsonBytes(input))).toBe(toHex(new TextEncoder().encode(want)));
  });
});

function holey(): unknown[] {
  const a: unknown[] = [1];
  a[2] = 3;
  return a;
}

describe("refusals name the path", () => {
  class Thing {
    x = 1;
  }
  const cases: Array<[unknown, string]> = [
    [{ a: undefined }, "$.a: got undefined"],
    [{ a: [1, undefined] }, "$.a[1]: got undefined"],
    [holey(), "$[1]: array hole"],
    [{ "b c": NaN }, '$["b c"]: got NaN'],
    [{ a: { b: -Infinity } }, "$.a.b: got -Infinity"],
    [{ s: "x\ud800" }, "$.s: lone surrogate at index 1"],
    [{ ["k\udc00"]: 1 }, "lone surrogate at index 1"],
    [{ d: new Date(0) }, "$.d: got a Date, want a plain object"],
    [{ m: new Map() }, "$.m: got a Map, want a plain object"],
    [{ t: new Thing() }, "$.t: got a Thing, want a plain object"],
    [{ u: new Uint8Array(1) }, "$.u: got a Uint8Array, want a plain object"],
    [{ f: () => 1 }, "$.f: got function"],
    [{ n: 1n }, "$.n: got bigint"],
    [{ s: Symbol("x") }, "$.s: got symbol"],
    [undefined, "$: got undefined"],
  ];
  it.each(cases)("%o", (value, message) => {
    let err: unknown;
    try {
      canonicalJson(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonPathError);
    expect((err as LedgerError).code).toBe("json_unsupported_value");
    expect((err as Error).message).toContain(message);
  });

  it("refuses cycles", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow("$.self: cycle");
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe("canonical parsing", () => {
  it("accepts canonical bytes and refuses every other spelling", () => {
    const ok = new TextEncoder().encode('{"a":[1,"x"],"b":null}');
    expect(parseCanonicalJson(ok)).toEqual({ a: [1, "x"], b: null });
    const bad: Array<[string, string]> = [
      ['{"b":null,"a":[1,"x"]}', "non_canonical_json"],
      ['{"a": [1,"x"],"b":null}', "non_canonical_json"],
      ['{"a":[1.0,"x"],"b":null}', "non_canonical_json"],
      ['{"a":[1,"\\u0078"],"b":null}', "non_canonical_json"],
      ['{"a":1,"a":1}', "non_canonical_json"],
      ['{"a":1e999}', "non_canonical_json"],
      ['{"a":', "malformed_json"],
    ];
    for (const [text, code] of bad) {
      let err: unknown;
      try {
        parseCanonicalJson(new TextEncoder().encode(text));
      } catch (e) {
        err = e;
      }
      expect((err as LedgerError).code, text).toBe(code);
    }
    expect(() => parseCanonicalJson(new Uint8Array([0x22, 0xff, 0x22]))).toThrow("malformed_utf8");
  });

  it("round-trips arbitrary JSON and is idempotent", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const bytes = canonicalJsonBytes(v);
        const back = parseCanonicalJson(bytes);
        expect(toHex(canonicalJsonBytes(back))).toBe(toHex(bytes));
      }),
    );
  });
});
