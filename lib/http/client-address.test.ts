import { describe, expect, it } from "vitest";
import { clientAddress, parseTrustedProxies, PEER_HEADER } from "./client-address";

const req = (peer: string | null, xff?: string) =>
  new Request("http://console.test/api/auth/sign-in/email", { headers: { ...(peer ? { [PEER_HEADER]: peer } : {}), ...(xff ? { "x-forwarded-for": xff } : {}) } });

describe("clientAddress", () => {
  const none = parseTrustedProxies(undefined);
  const proxies = parseTrustedProxies("10.0.0.0/8, 192.168.1.5, fd00::/8");
  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(clientAddress(req("203.0.113.9", "1.2.3.4"), none)).toBe("203.0.113.9");
    expect(clientAddress(req("203.0.113.9", "1.2.3.4"), proxies)).toBe("203.0.113.9");
  });
  it("reads X-Forwarded-For from the right behind trusted proxies", () => {
    expect(clientAddress(req("10.1.2.3", "198.51.100.7"), proxies)).toBe("198.51.100.7");
    // A client's own forged hop sits left of what the proxies appended.
    expect(clientAddress(req("10.1.2.3", "6.6.6.6, 198.51.100.7, 192.168.1.5"), proxies)).toBe("198.51.100.7");
    expect(clientAddress(req("::ffff:10.1.2.3", "198.51.100.7"), proxies)).toBe("198.51.100.7");
    expect(clientAddress(req("fd00::1", "2001:db8::5"), proxies)).toBe("2001:db8::5");
  });
  it("believes nothing past a garbled hop", () => {
    expect(clientAddress(req("10.1.2.3", "198.51.100.7, not-an-ip"), proxies)).toBe("10.1.2.3");
  });
  it("says unknown when the server stamped no peer (a client cannot pick one)", () => {
    expect(clientAddress(req(null, "1.2.3.4"), none)).toBe("unknown");
  });
  it("refuses a bad TRUSTED_PROXIES entry by name", () => {
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow('"10.0.0.0/33" is not an IP address or CIDR range');
    expect(() => parseTrustedProxies("proxy.local")).toThrow('"proxy.local"');
    expect(() => parseTrustedProxies("10.0.0.1/")).toThrow();
  });
});
