/**
 * Limits report creation per reporter key and per client address: at most `perKey` reports
 * of one key and `perAddress` of one address within `windowMs` (a sliding window). Unsigned
 * reports (Open311 clients without a key) count against their address only. In memory, per
 * process, like the sign-in limiter: N console processes allow N times the figures. A limit
 * of 0 turns that check off (REPORT_LIMIT_PER_KEY, REPORT_LIMIT_PER_ADDRESS).
 */
export type ReportLimits = { perKey: number; perAddress: number; windowMs: number; now?: () => number };

const MAX_KEYS = 100_000;

export class ReportLimiter {
  private hits = new Map<string, number[]>();
  constructor(private readonly opts: ReportLimits) {}

  private recent(key: string): number[] {
    const now = this.opts.now ? this.opts.now() : Date.now();
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.opts.windowMs);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }

  /** Seconds to wait before the next report of this key and address, or 0 if one may be made now. */
  retryAfter(reporter: string | null, address: string): number {
    const now = this.opts.now ? this.opts.now() : Date.now();
    let wait = 0;
    const checks: [string, number][] = [];
    if (this.opts.perAddress > 0) checks.push([`a:${address}`, this.opts.perAddress]);
    if (reporter && this.opts.perKey > 0) checks.push([`k:${reporter}`, this.opts.perKey]);
    for (const [key, max] of checks) {
      const list = this.recent(key);
      if (list.length >= max) wait = Math.max(wait, Math.ceil((list[list.length - max] + this.opts.windowMs - now) / 1000));
    }
    return wait;
  }

  /** Counts one report made. */
  record(reporter: string | null, address: string): void {
    const now = this.opts.now ? this.opts.now() : Date.now();
    if (this.hits.size > MAX_KEYS) this.hits.clear();
    for (const key of reporter ? [`a:${address}`, `k:${reporter}`] : [`a:${address}`]) this.hits.set(key, [...this.recent(key), now]);
  }
}
