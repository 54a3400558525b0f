import { describe, expect, it } from "vitest";
import { en, zh, type MessageKey } from "@/lib/i18n/messages";
import { deviceErrorText } from "./devices-admin";
import { HttpError } from "@/components/http/fetch-json";

const tEn = (k: MessageKey) => en[k];
const tZh = (k: MessageKey) => zh[k];

describe("a refused device change in the UI language", () => {
  it("words the console's known refusals with their names filled in", () => {
    expect(deviceErrorText(new HttpError(409, "device trf-9 is already registered"), tZh)).toBe("设备 trf-9 已登记。");
    expect(deviceErrorText(new HttpError(400, "dataset energy.load belongs to department energy, not traffic"), tZh)).toBe("数据集 energy.load 属于部门 energy，不属于 traffic。");
    expect(deviceErrorText(new HttpError(400, "public key of trf-9 must be 32 bytes, got 31"), tEn)).toBe("The public key must be 32 bytes, got 31.");
    expect(deviceErrorText(new HttpError(409, "device trf-9 is revoked: a revoked device stays revoked. To put it back…"), tZh)).toBe(zh["admin.devices.err.revoked"]);
    expect(deviceErrorText(new HttpError(403, "only admins of department traffic may do this"), tZh)).toBe(zh["admin.devices.err.forbidden"]);
  });
  it("names the form's field of a schema refusal, and keeps the server's words for anything else", () => {
    expect(deviceErrorText(new HttpError(400, "location.0: Too small: expected number to be >=-180"), tZh)).toBe("请检查“位置（经度，纬度）”一栏。");
    expect(deviceErrorText(new Error("boom"), tEn)).toBe("The console refused it: boom");
  });
});
