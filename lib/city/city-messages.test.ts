import { describe, expect, it } from "vitest";
import { cityMessages } from "./city-messages";
import { getCity } from "./current-city";
import { MESSAGES } from "../i18n/messages";

describe("cityMessages", () => {
  it("puts the running city's name in the header's subtitle, in each language, and leaves the rest", () => {
    const city = getCity();
    expect(cityMessages("en")["app.subtitle"]).toBe(`${city.nameEn} city operations console`);
    expect(cityMessages("zh-CN")["app.subtitle"]).toBe(`${city.nameZh}城市运行管理平台`);
    expect(cityMessages("en")["app.title"]).toBe(MESSAGES.en["app.title"]);
    expect(Object.values(cityMessages("zh-CN")).some((m) => m.includes("{city}"))).toBe(false);
  });
});
