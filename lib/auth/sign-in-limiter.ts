/**
 * Limits sign-in attempts: at most `maxFailures` failed attempts per account within
 * `windowMs` from any address (an address can be forged in X-Forwarded-For, an account
 * cannot), and at most `maxPerMinute` attempts of any outcome per address.
 * In memory, per process: a deployment with several console processes behind one address
 * multiplies the limits by their number.
 */
export class SignInLimiter {
  private failures = new Map<string, number[]>();
  private attempts = new Map<string, number[]>();

  constructor(private readonly opts: { maxFailures: number; windowMs: number; maxPerMinute: number; now?: () => number }) {}

  private now() {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  private recent(map: Map<string, number[]>, key: string, windowMs: number): number[] {
    const since = this.now() - windowMs;
    const list = (map.get(key) ?? []).filter((t) => t > since);
    if (list.length) map.set(key, list);
    else map.delete(key);
    return list;
  }

  /** Seconds to wait before another attempt is allowed, or 0 when it is allowed now. Counts the attempt. */
  check(address: string, account: string): number {
    const a = this.recent(this.attempts, address, 60_000);
    if (a.length >= this.opts.maxPerMinute) return Math.max(1, Math.ceil((a[0] + 60_000 - this.now()) / 1000));
    const f = this.recent(this.failures, account, this.opts.windowMs);
    if (f.length >= this.opts.maxFailures) return Math.max(1, Math.ceil((f[0] + this.opts.windowMs - this.now()) / 1000));
    a.push(this.now());
    this.attempts.set(address, a);
    if (this.attempts.size > 100_000) this.prune();
    return 0;
  }

  /** Records a failed attempt. */
  failed(account: string): void {
    const key = account;
    const f = this.recent(this.failures, key, this.opts.windowMs);
    f.push(this.now());
    this.failures.set(key, f);
  }

  /** Forgets the failures of an account after a successful sign-in. */
  succeeded(account: string): void {
    this.failures.delete(account);
  }

  private prune() {
    for (const k of [...this.attempts.keys()]) this.recent(this.attempts, k, 60_000);
    for (const k of [...this.failures.keys()]) this.recent(this.failures, k, this.opts.windowMs);
  }
}
