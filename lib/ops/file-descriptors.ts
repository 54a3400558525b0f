import fs from "node:fs";

/**
 * The process's open file descriptors and its limit (Node raises the soft limit to the hard
 * one at start), from Linux's /proc; null where they cannot be read.
 */
export function fileDescriptors(): { open: number; limit: number } | null {
  try {
    const limit = Number(/Max open files\s+(\d+)/.exec(fs.readFileSync("/proc/self/limits", "utf8"))?.[1]);
    const open = fs.readdirSync("/proc/self/fd").length;
    return Number.isFinite(limit) && limit > 0 ? { open, limit } : null;
  } catch {
    return null;
  }
}
