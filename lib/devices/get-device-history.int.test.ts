import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import type { Viewer } from "../access/viewer";
import { signerFromSeed } from "../sim/simulator-keys";
import { seedIngestFixture } from "../ingest/testing/ingest-fixture";
import { unsafeRevokeDeviceKey, unsafeRotateDeviceKey } from "./change-device-key";
import { unsafeRegisterNewDevices } from "./register-device";
import { keyFingerprint } from "./device-entry";
import { getDeviceHistory } from "./get-device-history";

const targets = await testTargets();
const admin: Viewer = { kind: "user", userId: "u-admin", departmentId: "traffic", role: "dept_admin" };
const otherAdmin: Viewer = { kind: "user", userId: "u-energy", departmentId: "energy", role: "dept_admin" };
const official: Viewer = { kind: "user", userId: "u-off", departmentId: "traffic", role: "official" };
const auditor: Viewer = { kind: "user", userId: "u-aud", departmentId: "audit", role: "auditor" };
const key = (n: number) => signerFromSeed(new Uint8Array(32).fill(n)).publicKey;

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("device key history on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let fx: Awaited<ReturnType<typeof seedIngestFixture>>;

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    fx = await seedIngestFixture(db, 3);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const leafOf = async (device: string, action: string) =>
    Number((await db.sql.query<{ l: number }>(`SELECT max(leaf_index) AS l FROM ledger_leaf WHERE ref_table = 'device' AND ref_id = $1 AND convert_from(entry, 'UTF8') LIKE $2`, [device, `%"action":"${action}"%`]))[0].l);

  it("lists every key with how it came in and ended, each linked to its ledger leaf, newest first and paged", async () => {
    const dev = fx.keyed[0];
    await unsafeRotateDeviceKey(db.sql, { device: dev.id, publicKey: key(41), reason: "scheduled rotation" });
    const rotated = await leafOf(dev.id, "rotate");
    await unsafeRevokeDeviceKey(db.sql, { device: dev.id, reason: "key stolen" });
    const revoked = await leafOf(dev.id, "revoke");
    await unsafeRotateDeviceKey(db.sql, { device: dev.id, publicKey: key(42), reinstate: true, reason: "new board fitted" });
    const reinstated = await leafOf(dev.id, "rotate");

    const h = await getDeviceHistory({ viewer: admin, device: dev.id });
    expect(h.total).toBe(3);
    expect(h.keys.map((k) => k.fingerprint)).toEqual([keyFingerprint(key(42)), keyFingerprint(key(41)), keyFingerprint(dev.signer.publicKey)]);
    const [now, stolen, first] = h.keys;
    expect(now.from).toMatchObject({ action: "reinstate", leaf: reinstated, reason: "new board fitted" });
    expect(now.until).toBeNull();
    expect(stolen.from).toMatchObject({ action: "rotate", leaf: rotated, reason: "scheduled rotation" });
    expect(stolen.until).toMatchObject({ action: "revoke", leaf: revoked, reason: "key stolen" });
    expect(first.from.action).toBe("register");
    expect(first.until).toMatchObject({ action: "rotate", leaf: rotated, reason: "scheduled rotation" });
    expect(Date.parse(first.from.at)).toBeLessThanOrEqual(Date.parse(first.until!.at));

    const page2 = await getDeviceHistory({ viewer: auditor, device: dev.id, limit: 2, offset: 2 });
    expect(page2).toMatchObject({ total: 3, keys: [{ fingerprint: first.fingerprint }] });
  });

  it("opens a restricted dataset's device entries, which the public log holds as commitments", async () => {
    await unsafeRegisterNewDevices(db.sql, [{ id: "it-incident-terminal", departmentId: "safety", datasetId: "safety.incidents", kind: "dispatch-terminal", location: [121.45, 37.46], publicKey: key(51), reason: "installed" }]);
    await unsafeRevokeDeviceKey(db.sql, { device: "it-incident-terminal", reason: "lost in the field" });
    const kinds = await db.sql.query<{ kind: string }>(`SELECT kind FROM ledger_leaf WHERE ref_table = 'device' AND ref_id = 'it-incident-terminal'`);
    expect(kinds.map((k) => k.kind)).toEqual(["commitment.v1", "commitment.v1"]);
    const h = await getDeviceHistory({ viewer: { ...admin, departmentId: "safety" }, device: "it-incident-terminal" });
    expect(h.keys).toEqual([
      expect.objectContaining({ fingerprint: keyFingerprint(key(51)), from: expect.objectContaining({ action: "register", reason: "installed" }), until: expect.objectContaining({ action: "revoke", reason: "lost in the field" }) }),
    ]);
  });

  it("is for the device's department admins and auditors only", async () => {
    const dev = fx.keyed[1].id;
    await expect(getDeviceHistory({ viewer: otherAdmin, device: dev })).rejects.toMatchObject({ code: "forbidden" });
    await expect(getDeviceHistory({ viewer: official, device: dev })).rejects.toMatchObject({ code: "forbidden" });
    await expect(getDeviceHistory({ viewer: { kind: "guest" } as Viewer, device: dev })).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(getDeviceHistory({ viewer: admin, device: "no-such-device" })).rejects.toMatchObject({ code: "not_found" });
    expect((await getDeviceHistory({ viewer: auditor, device: dev })).total).toBe(1);
  });
});
