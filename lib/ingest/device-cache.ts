import type { Sql } from "../db/sql";
import { onDevicesChanged } from "../devices/device-events";

export type DeviceInfo = {
  id: string;
  departmentId: string;
  datasetId: string;
  kind: string;
  /** Current Ed25519 public key; null when the device has none registered. */
  publicKey: Uint8Array | null;
  status: "active" | "revoked" | string;
  /** When the device was registered (ms since the epoch): it cannot have observed anything before. */
  registeredAt?: number;
  /** A gateway in quarantine (it carried a reading whose device signature did not verify): its batches are refused. */
  quarantined?: boolean;
  /** Until when (ms) every reading a gateway carries has its device signature checked (after a release). */
  suspectUntil?: number;
};

type Row = { id: string; department_id: string; dataset_id: string; kind: string; public_key: Uint8Array | null; status: string; created_at: Date | string; updated_at: Date | string; quarantined_at: Date | string | null; suspect_until: Date | string | null };

const NEGATIVE_TTL_MS = 2000;
const REFRESH_MS = 2000;
/**
 * A refresh reads the rows changed since this long before the previous refresh (by the
 * database's clock): a change committed after that read carries its transaction's start time,
 * which is not earlier than this unless the transaction ran for longer.
 */
const REFRESH_OVERLAP_MS = 10_000;

const toInfo = (r: Row): DeviceInfo => ({
  id: r.id,
  departmentId: r.department_id,
  datasetId: r.dataset_id,
  kind: r.kind,
  publicKey: r.public_key ? new Uint8Array(r.public_key) : null,
  status: r.status,
  registeredAt: new Date(r.created_at).getTime(),
  ...(r.quarantined_at ? { quarantined: true } : {}),
  ...(r.suspect_until ? { suspectUntil: new Date(r.suspect_until).getTime() } : {}),
});

const sameInfo = (a: DeviceInfo, b: DeviceInfo) =>
  a.departmentId === b.departmentId &&
  a.datasetId === b.datasetId &&
  a.kind === b.kind &&
  a.status === b.status &&
  a.registeredAt === b.registeredAt &&
  a.quarantined === b.quarantined &&
  a.suspectUntil === b.suspectUntil &&
  (a.publicKey === null ? b.publicKey === null : b.publicKey !== null && Buffer.compare(a.publicKey, b.publicKey) === 0);

/**
 * The intake's view of the device registry: every device's department, dataset, key and
 * status, loaded once, refreshed from rows changed since the last look every two seconds,
 * and at once when this process's registry use cases change a device. A device the cache
 * does not know is looked up in the database (misses are remembered for two seconds).
 * The storage transaction checks key and status again against the locked row.
 */
export class DeviceCache {
  private readonly byId = new Map<string, DeviceInfo>();
  private readonly misses = new Map<string, number>();
  /** The database's clock at the previous refresh (ms); the next reads rows changed since then, less the overlap. */
  private readAt = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private pendingLookup: { ids: Set<string>; promise: Promise<void> } | null = null;
  private readonly listeners: ((set: DeviceInfo[], del: string[]) => void)[] = [];

  constructor(private readonly sql: Sql) {}

  async start(): Promise<void> {
    await this.refresh(true);
    this.timer = setInterval(() => void this.refresh(false).catch(() => {}), REFRESH_MS);
    this.timer.unref?.();
    this.unsubscribe = onDevicesChanged((ids) => void this.reload(ids).catch(() => {}));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Every device the cache holds. */
  all(): DeviceInfo[] {
    return [...this.byId.values()];
  }

  /** Called with the devices that were added or changed and the ids that are gone, whenever the cache changes. */
  onChange(listener: (set: DeviceInfo[], del: string[]) => void): void {
    this.listeners.push(listener);
  }

  private changed(set: DeviceInfo[], del: string[]): void {
    if (set.length === 0 && del.length === 0) return;
    for (const l of this.listeners) l(set, del);
  }

  /** The cached device, or undefined if it is not (yet) known. */
  peek(id: string): DeviceInfo | undefined {
    return this.byId.get(id);
  }

  /** The device, looking it up in the database when the cache has not seen it; null if unknown. */
  async get(id: string): Promise<DeviceInfo | null> {
    const hit = this.byId.get(id);
    if (hit) return hit;
    const missedAt = this.misses.get(id);
    if (missedAt !== undefined && Date.now() - missedAt < NEGATIVE_TTL_MS) return null;
    // Misses that arrive together share one query.
    if (!this.pendingLookup) {
      const ids = new Set<string>();
      const promise = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.pendingLookup = null;
        await this.reload([...ids]);
        const now = Date.now();
        for (const x of ids) if (!this.byId.has(x)) this.misses.set(x, now);
        if (this.misses.size > 100_000) this.misses.clear();
      });
      this.pendingLookup = { ids, promise };
    }
    this.pendingLookup.ids.add(id);
    await this.pendingLookup.promise;
    return this.byId.get(id) ?? null;
  }

  /** Reads these devices again from the database. */
  async reload(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.sql.query<Row>(
      `SELECT id, department_id, dataset_id, kind, public_key, status, created_at, updated_at, quarantined_at, suspect_until FROM device WHERE id = ANY($1::text[])`,
      [ids],
    );
    const found = new Set(rows.map((r) => r.id));
    const del = ids.filter((id) => !found.has(id) && this.byId.delete(id));
    const set = rows.map(toInfo);
    for (const d of set) {
      this.byId.set(d.id, d);
      this.misses.delete(d.id);
    }
    this.changed(set, del);
  }

  private async refresh(all: boolean): Promise<void> {
    // The cursor is the time of the previous read, not the newest change seen: the devices
    // registered together at a first start share one updated_at, and a cursor at that change
    // read all of them again every two seconds until some other device changed (19,186 rows,
    // about 340 ms of CPU a call on the embedded database at size 10: scripts/bench/embedded-upkeep.ts).
    const since = all ? new Date(0) : new Date(Math.max(0, this.readAt - REFRESH_OVERLAP_MS));
    // One statement: the rows changed since, each with the statement's now() (one row with no
    // device when none changed), the next call's cursor.
    const rows = await this.sql.query<Row & { read_at: Date | string }>(
      `SELECT now() AS read_at, d.id, d.department_id, d.dataset_id, d.kind, d.public_key, d.status, d.created_at, d.updated_at, d.quarantined_at, d.suspect_until
         FROM (SELECT 1) one LEFT JOIN device d ON d.updated_at >= $1`,
      [since.toISOString()],
    );
    const now = rows[0].read_at;
    const set: DeviceInfo[] = [];
    for (const r of rows) {
      if (r.id === null) continue;
      const d = toInfo(r);
      const before = this.byId.get(r.id);
      this.byId.set(r.id, d);
      this.misses.delete(r.id);
      if (!before || !sameInfo(before, d)) set.push(d);
    }
    this.readAt = new Date(now).getTime();
    this.changed(set, []);
  }
}
