import { describe, expect, it } from "vitest";
import { pickLocale } from "./locale";
import { en, zh } from "./messages";

describe("pickLocale", () => {
  it.each([
    [undefined, "en-US,en;q=0.9", "en"],
    [undefined, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"],
    [undefined, "fr-FR, en;q=0.5, zh;q=0.7", "zh-CN"],
    [undefined, "de-DE", "zh-CN"],
    [undefined, "", "zh-CN"],
    [undefined, "en;q=0, zh-TW", "zh-CN"],
    ["en", "zh-CN", "en"],
    ["zh-CN", "en", "zh-CN"],
    ["klingon", "en", "en"],
  ] as const)("cookie %s, Accept-Language %s → %s", (cookie, header, want) => {
    expect(pickLocale(cookie, header)).toBe(want);
  });
});

describe("messages", () => {
  it("has every key in both languages, none empty", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(zh)) expect(v, k).not.toBe("");
  });
});
