import { describe, expect, it } from "vitest";
import { generateCity } from "../city";
import { simulatedGateways, simulatorConnectionBudget } from "./simulated-gateways";

describe("simulated gateways", () => {
  const city = generateCity({ seed: "yantai", size: 1 });
  const direct = (gatewayOf: (d: (typeof city.devices)[number]) => string | null) => city.devices.filter((d) => gatewayOf(d) === null).length;

  it("sends every other district's devices through a gateway, the rest on their own connections", () => {
    const { gateways, gatewayOf } = simulatedGateways(city);
    expect(gateways.length).toBeGreaterThan(0);
    const n = direct(gatewayOf);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(city.devices.length);
    // A bound above what connects anyway changes nothing.
    expect(direct(simulatedGateways(city, { maxDirect: n }).gatewayOf)).toBe(n);
  });

  it("moves more districts behind gateways until the devices on their own connections fit the bound", () => {
    const n = direct(simulatedGateways(city).gatewayOf);
    // One device too many: the first district that connects on its own goes behind gateways.
    const bound = n - 1;
    const { gateways, gatewayOf } = simulatedGateways(city, { maxDirect: bound });
    const now = direct(gatewayOf);
    expect(now).toBeLessThanOrEqual(bound);
    expect(now).toBeGreaterThan(0);
    // Every device behind a gateway has that gateway, of its own department and district.
    for (const d of city.devices) {
      const gw = gatewayOf(d);
      if (gw) expect(gateways.find((g) => g.id === gw)).toMatchObject({ departmentId: d.departmentId, districtId: d.districtId });
    }
    expect(direct(simulatedGateways(city, { maxDirect: 0 }).gatewayOf)).toBe(0);
  });

  it("budgets half of three quarters of the descriptor limit: a connection is two descriptors in this process", () => {
    expect(simulatorConnectionBudget({ open: 100, limit: 20_000 })).toBe(7_500);
    expect(simulatorConnectionBudget({ open: 100, limit: 1_024 })).toBe(384);
    expect(simulatorConnectionBudget(null)).toBeUndefined();
  });
});
