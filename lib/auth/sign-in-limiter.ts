/**
 * Limits sign-in attempts (password and second factor). Policy, in README "Sign-in, roles,
 * grants and access":
 *
 * - Per address: at most `maxPerMinute` attempts a minute, whatever the account.
 * - Per account and address: the first `maxFailures` failures within `windowMs` cost nothing;
 *   after them each attempt must wait 2^(n − maxFailures) seconds after the previous failure
 *   (1, 2, 4, … s, at most `windowMs`), so a guesser at one address slows exponentially. A
 *   success clears that pair only.
 * - Per account from all addresses: once the account has `accountFailures` failures within
 *   `windowMs` (a guesser spreading over many addresses), addresses that never signed in to it
 *   successfully wait 2^(n − accountFailures) s after the account's previous failure, at most
 *   `accountMaxDelayMs`. An address that signed in to the account before (kept for
 *   `knownAddressMs`) is exempt, so a stranger elsewhere cannot lock the owner out, and slows
 *   owners at new addresses by at most `accountMaxDelayMs` between attempts.
 *
 * In memory, per process: several console processes multiply the limits by their number.
 */
export type SignInLimits = {
  maxFailures: number;
  windowMs: number;
  maxPerMinute: number;
  /** Failures of one account from all addresses before strangers' attempts are slowed (default 4 × maxFailures). */
  accountFailures?: number;
  /** Longest wait the account-wide backoff imposes (default 30 s). */
  accountMaxDelayMs?: number;
  /** How long an address that signed in successfully stays exempt from the account-wide backoff (default 30 days). */
  knownAddressMs?: number;
  now?: () => number;
};

const MAX_KEYS = 100_000;

export class SignInLimiter {
  /** address → attempt times within the last minute */
  private attempts = new Map<string, number[]>();
  /** account + address → failure times within the window */
  private pairFailures = new Map<string, number[]>();
  /** account → failure times within the window */
  private accountFailures = new Map<string, number[]>();
  /** account + address → time of the last successful sign-in */
  private known = new Map<string, number>();
  private readonly accountThreshold: number;
  private readonly accountMaxDelayMs: number;
  private readonly knownAddressMs: number;

  constructor(private readonly opts: SignInLimits) {
    this.accountThreshold = opts.accountFailures ?? opts.maxFailures * 4;
    this.accountMaxDelayMs = opts.accountMaxDelayMs ?? 30_000;
    this.knownAddressMs = opts.knownAddressMs ?? 30 * 86_400_000;
  }

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

  /** Milliseconds still to wait after the last of `failures` when `free` of them cost nothing, capped at `capMs`. */
  private backoff(failures: number[], free: number, capMs: number): number {
    const over = failures.length - free;
    if (over < 0) return 0;
    const delay = Math.min(capMs, 1000 * 2 ** Math.min(over, 30));
    return failures[failures.length - 1] + delay - this.now();
  }

  /** Seconds to wait before another attempt is allowed, or 0 when it is allowed now (and then counts it). */
  check(address: string, account: string): number {
    const pair = `${account}\n${address}`;
    const a = this.recent(this.attempts, address, 60_000);
    let waitMs = a.length >= this.opts.maxPerMinute ? a[0] + 60_000 - this.now() : 0;
    waitMs = Math.max(waitMs, this.backoff(this.recent(this.pairFailures, pair, this.opts.windowMs), this.opts.maxFailures, this.opts.windowMs));
    const knownAt = this.known.get(pair);
    if (knownAt === undefined || knownAt <= this.now() - this.knownAddressMs) {
      waitMs = Math.max(waitMs, this.backoff(this.recent(this.accountFailures, account, this.opts.windowMs), this.accountThreshold, this.accountMaxDelayMs));
    }
    if (waitMs > 0) return Math.max(1, Math.ceil(waitMs / 1000));
    a.push(this.now());
    this.attempts.set(address, a);
    if (this.attempts.size > MAX_KEYS || this.pairFailures.size > MAX_KEYS || this.known.size > MAX_KEYS) this.prune();
    return 0;
  }

  /** Records a failed attempt of an account from an address. */
  failed(address: string, account: string): void {
    const pair = `${account}\n${address}`;
    const p = this.recent(this.pairFailures, pair, this.opts.windowMs);
    p.push(this.now());
    this.pairFailures.set(pair, p);
    const f = this.recent(this.accountFailures, account, this.opts.windowMs);
    f.push(this.now());
    this.accountFailures.set(account, f);
  }

  /** Forgets the failures of an account from this address and remembers the address as the account's. */
  succeeded(address: string, account: string): void {
    const pair = `${account}\n${address}`;
    this.pairFailures.delete(pair);
    this.known.set(pair, this.now());
  }

  private prune() {
    for (const k of [...this.attempts.keys()]) this.recent(this.attempts, k, 60_000);
    for (const k of [...this.pairFailures.keys()]) this.recent(this.pairFailures, k, this.opts.windowMs);
    for (const k of [...this.accountFailures.keys()]) this.recent(this.accountFailures, k, this.opts.windowMs);
    const old = this.now() - this.knownAddressMs;
    for (const [k, t] of this.known) if (t <= old) this.known.delete(k);
    // Still too many known addresses (a flood of successful sign-ins): keep the newest half.
    if (this.known.size > MAX_KEYS) [...this.known.keys()].slice(0, this.known.size / 2).forEach((k) => this.known.delete(k));
  }
}
