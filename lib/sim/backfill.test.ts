import { describe, expect, it } from "vitest";
import { generateCity } from "../city";
import { BACKFILL_STEP_MS, BackfillQueue, planBackfill } from "./backfill";
import { createSimulator } from "./simulator";

const STEP = BACKFILL_STEP_MS;
// 2026-12-04 08:03:27 UTC: not on a slot boundary.
const NOW = Date.UTC(2026, 11, 4, 8, 3, 27);

describe("planBackfill", () => {
  it("plans one reading per device per 5 minutes over the window, newest slot first", () => {
    const plan = planBackfill({ devices: [{ id: "trf-1", datasetId: "traffic.flow" }, { id: "em-1", datasetId: "energy.load" }], hours: 1, now: NOW });
    // from = now − 1 h rounded up to a slot: 07:05; slots 07:05 … 08:00 (12 of them).
    expect(new Date(plan.from).toISOString()).toBe("2026-12-04T07:05:00.000Z");
    expect(plan.slots.length).toBe(12);
    expect(new Date(plan.slots[0]).toISOString()).toBe("2026-12-04T08:00:00.000Z");
    expect(new Date(plan.slots.at(-1)!).toISOString()).toBe("2026-12-04T07:05:00.000Z");
    expect(plan.slots.every((t, i) => i === 0 || plan.slots[i - 1] - t === STEP)).toBe(true);
    expect(plan.total).toBe(24);
  });

  it("the default city over 24 hours: 288 slots of its periodic devices (the figure in the code and README)", () => {
    const city = generateCity({ seed: "yantai", size: 1 });
    const plan = planBackfill({ devices: city.devices.map((d) => ({ id: d.id, datasetId: d.datasetId })), hours: 24, now: NOW });
    const periodic = city.devices.filter((d) => d.kind !== "dispatch-terminal").length;
    expect(plan.slots.length).toBe(288);
    expect(plan.total).toBe(periodic * 288);
  });

  it("leaves out incidents (dispatch terminals) and what is already stored: it resumes below each device's earliest reading", () => {
    const plan = planBackfill({
      devices: [
        { id: "trf-1", datasetId: "traffic.flow", earliest: NOW - 10 * 60_000 }, // live since 07:53:27: slots 07:05 … 07:50
        { id: "cam-1", datasetId: "safety.cameras", earliest: Date.UTC(2026, 11, 4, 7, 30) }, // backfilled down to 07:30 before a restart
        { id: "dsp-1", datasetId: "safety.incidents" },
        { id: "em-1", datasetId: "energy.load", earliest: Date.UTC(2026, 11, 4, 7, 5) }, // all done
      ],
      hours: 1,
      now: NOW,
    });
    expect([...plan.ranges.keys()].sort()).toEqual(["cam-1", "trf-1"]);
    expect(plan.ranges.get("trf-1")!.map((t) => new Date(t).toISOString())).toEqual(["2026-12-04T07:05:00.000Z", "2026-12-04T07:53:27.000Z"]);
    expect(plan.ranges.get("cam-1")!.map((t) => new Date(t).toISOString())).toEqual(["2026-12-04T07:05:00.000Z", "2026-12-04T07:30:00.000Z"]);
    // trf-1: 07:05 … 07:50 = 10 slots; cam-1: 07:05 … 07:25 = 5 slots.
    expect(plan.total).toBe(15);
    expect(new Date(plan.slots[0]).toISOString()).toBe("2026-12-04T07:50:00.000Z");
  });

  it("sends nothing dated before a device's registration", () => {
    const plan = planBackfill({ devices: [{ id: "trf-1", datasetId: "traffic.flow", registeredAt: Date.UTC(2026, 11, 4, 7, 41) }], hours: 1, now: NOW });
    expect(plan.ranges.get("trf-1")![0]).toBe(Date.UTC(2026, 11, 4, 7, 45));
    expect(plan.total).toBe(4); // 07:45, 07:50, 07:55, 08:00
  });

  it("hours 0 plans nothing; a negative or infinite span is refused with the value", () => {
    expect(planBackfill({ devices: [{ id: "trf-1", datasetId: "traffic.flow" }], hours: 0, now: NOW }).total).toBe(0);
    expect(() => planBackfill({ devices: [], hours: -1, now: NOW })).toThrow("hours must be a finite number ≥ 0, got -1");
    expect(() => planBackfill({ devices: [], hours: Infinity, now: NOW })).toThrow("got Infinity");
  });
});

describe("BackfillQueue", () => {
  const city = generateCity({ seed: "backfill-unit", size: 0.1 });
  const sim = createSimulator({ city });
  const periodic = city.devices.filter((d) => d.kind !== "dispatch-terminal");

  it("hands out each planned reading once, newest slot first, with the models' values at the slot's local time", () => {
    const plan = planBackfill({ devices: periodic.map((d) => ({ id: d.id, datasetId: d.datasetId })), hours: 2, now: NOW });
    const q = new BackfillQueue(plan, (t) => sim.readingsAt(t, { datasets: ["traffic.flow", "safety.cameras", "energy.load"] }));
    const seen = new Set<string>();
    let first: string | null = null;
    while (!q.done) {
      const chunk = q.take(3);
      for (const r of chunk) {
        const key = `${r.device}@${r.observedAt}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        first ??= r.observedAt;
      }
      q.sent(chunk);
    }
    expect(seen.size).toBe(plan.total);
    expect(q.sentCount).toBe(plan.total);
    expect(first).toBe(new Date(plan.slots[0]).toISOString());
    expect(q.reachedBack).toBe(plan.from);
    // Each reading is the simulator's (traffic and energy models at the slot's local time) for that device and slot.
    const slot = plan.slots[5];
    const model = sim.readingsAt(new Date(slot)).find((r) => r.dataset === "traffic.flow")!;
    expect(seen.has(`${model.device}@${new Date(slot).toISOString()}`)).toBe(true);
  });

  it("readings given back go out first next time, and nothing is lost", () => {
    const plan = planBackfill({ devices: periodic.slice(0, 5).map((d) => ({ id: d.id, datasetId: d.datasetId })), hours: 1, now: NOW });
    const q = new BackfillQueue(plan, (t) => sim.readingsAt(t));
    const a = q.take(1);
    expect(a.length).toBe(5);
    q.putBack(a.slice(2));
    q.sent(a.slice(0, 2));
    const b = q.take(1);
    expect(b.slice(0, 3)).toEqual(a.slice(2));
    expect(b.length).toBe(8);
    q.sent(b);
    while (!q.done) q.sent(q.take(5));
    expect(q.sentCount).toBe(plan.total);
  });
});
