import { describe, expect, it } from "vitest";
import { en, zh, type MessageKey } from "./messages";
import { ACCESS_ACTIONS } from "../access/record-read";

// Messages that are the same in both languages on purpose: the language switch names the
// other language in that language; SI unit symbols are written alike in Chinese. Anything
// else equal to its English text was not translated.
const SAME_ON_PURPOSE: ReadonlySet<MessageKey> = new Set<MessageKey>(["lang.switch", "unit.km/h", "unit.W/m2", "unit.MW", "unit.kV"]);

describe("the Chinese messages", () => {
  it("translate every English message (none equals its English text but those allowed)", () => {
    const untranslated = (Object.keys(en) as MessageKey[]).filter((k) => !SAME_ON_PURPOSE.has(k) && zh[k] === en[k]);
    expect(untranslated).toEqual([]);
  });

  it("are written in Chinese: each has a Chinese character, but those allowed", () => {
    const notChinese = (Object.keys(en) as MessageKey[]).filter((k) => !SAME_ON_PURPOSE.has(k) && !/[\u3000-\u9fff\uff00-\uffef]/.test(zh[k]));
    expect(notChinese).toEqual([]);
  });

  it("keep every placeholder of the English text", () => {
    const lost = (Object.keys(en) as MessageKey[]).filter((k) => {
      const want = (en[k].match(/\{\w+\}/g) ?? []).sort().join();
      return (zh[k].match(/\{\w+\}/g) ?? []).sort().join() !== want;
    });
    expect(lost).toEqual([]);
  });

  it("name every read the access log records", () => {
    const missing = ACCESS_ACTIONS.filter((a) => !(`accessAction.${a}` in en) || !(`accessAction.${a}` in zh));
    expect(missing).toEqual([]);
  });
});
