import { loadConfig } from "../config";
import { clientAddress, parseTrustedProxies } from "../http/client-address";

/**
 * Limits unauthenticated HTTP intake per client address: an address whose requests were
 * refused whole (nothing in them signed by a registered device or gateway) more than
 * `maxPerMinute` times in the last minute is answered 429 with Retry-After before its body
 * is read. Devices and gateways whose readings are accepted are never slowed. In memory, per process.
 */
export class IntakeLimiter {
  private refused = new Map<string, number[]>();
  constructor(
    private readonly maxPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(address: string): number[] {
    const since = this.now() - 60_000;
    const list = (this.refused.get(address) ?? []).filter((t) => t > since);
    if (list.length) this.refused.set(address, list);
    else this.refused.delete(address);
    return list;
  }

  /** Seconds to wait before this address may send again, or 0. */
  check(address: string): number {
    if (this.maxPerMinute <= 0) return 0;
    const r = this.recent(address);
    return r.length >= this.maxPerMinute ? Math.max(1, Math.ceil((r[0] + 60_000 - this.now()) / 1000)) : 0;
  }

  /** Records a request that was refused whole. */
  refusedRequest(address: string): void {
    if (this.maxPerMinute <= 0) return;
    const r = this.recent(address);
    r.push(this.now());
    this.refused.set(address, r);
    if (this.refused.size > 100_000) for (const k of [...this.refused.keys()]) this.recent(k);
  }
}

const KEY = Symbol.for("city-brain.intake-limiter");
type Holder = { [KEY]?: { limiter: IntakeLimiter; trusted: ReturnType<typeof parseTrustedProxies> } };

/** The process's limiter (INGEST_REFUSED_PER_MINUTE) and the client address of a request (TRUSTED_PROXIES). */
export function intakeLimiter(): { limiter: IntakeLimiter; addressOf: (req: Request) => string } {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    const c = loadConfig();
    g[KEY] = { limiter: new IntakeLimiter(c.INGEST_REFUSED_PER_MINUTE), trusted: parseTrustedProxies(c.TRUSTED_PROXIES) };
  }
  const h = g[KEY];
  return { limiter: h.limiter, addressOf: (req) => clientAddress(req, h.trusted) };
}
