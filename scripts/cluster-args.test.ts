import { describe, expect, it } from "vitest";
import { clusterPlan, ClusterUsageError } from "./cluster-args";

const server = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/citybrain", MQTT_URL: "mqtt://127.0.0.1:1883" };

describe("start:cluster arguments", () => {
  it("starts N processes on consecutive ports from PORT", () => {
    expect(clusterPlan(["--processes", "3"], { ...server, PORT: "4000" })).toEqual({ processes: 3, ports: [4000, 4001, 4002], host: "127.0.0.1" });
    expect(clusterPlan(["--processes=2"], server).ports).toEqual([3000, 3001]);
    expect(clusterPlan([], server).processes).toBe(2);
  });
  it("refuses the embedded database and the embedded broker, naming what to set", () => {
    expect(() => clusterPlan(["--processes", "2"], { MQTT_URL: server.MQTT_URL })).toThrow(/needs PostgreSQL: set DATABASE_URL/);
    expect(() => clusterPlan(["--processes", "2"], { DATABASE_URL: server.DATABASE_URL })).toThrow(/set MQTT_URL/);
  });
  it("refuses a bad process count or argument", () => {
    for (const argv of [["--processes"], ["--processes", "0"], ["--processes", "17"], ["--processes", "two"], ["--procs", "2"]]) {
      expect(() => clusterPlan(argv, server)).toThrow(ClusterUsageError);
    }
    expect(() => clusterPlan(["--processes", "3"], { ...server, PORT: "65534" })).toThrow(/PORT must leave room/);
  });
});
