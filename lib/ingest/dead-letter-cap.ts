/**
 * A cap on dead letters stored per minute (per process), so a flood of junk cannot fill the
 * database: past it, refusals are still answered with their reason but not kept, and counted.
 * The count of what was dropped shows at /admin/dead-letters.
 */
export class DeadLetterCap {
  private windowStart = 0;
  private used = 0;
  private droppedTotal = 0;
  private lastDropAt: number | null = null;

  constructor(
    private max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Changes the cap (0 turns it off). */
  setMax(max: number): void {
    this.max = max;
  }

  /** How many of `n` dead letters may be stored now; the rest are counted as dropped. */
  take(n: number): number {
    if (this.max <= 0 || n === 0) return n;
    const t = this.now();
    if (t - this.windowStart >= 60_000) {
      this.windowStart = t;
      this.used = 0;
    }
    const keep = Math.max(0, Math.min(n, this.max - this.used));
    this.used += keep;
    if (keep < n) {
      this.droppedTotal += n - keep;
      this.lastDropAt = t;
    }
    return keep;
  }

  /** What was dropped since the process started. */
  dropped(): { count: number; lastAt: string | null; maxPerMinute: number } {
    return { count: this.droppedTotal, lastAt: this.lastDropAt === null ? null : new Date(this.lastDropAt).toISOString(), maxPerMinute: this.max };
  }
}

const KEY = Symbol.for("city-brain.dead-letter-cap");

/** The process's cap (DEAD_LETTER_MAX_PER_MINUTE, set at the intake's start; 1,000 until then). */
export function deadLetterCap(): DeadLetterCap {
  const g = globalThis as { [KEY]?: DeadLetterCap };
  g[KEY] ??= new DeadLetterCap(1000);
  return g[KEY];
}
