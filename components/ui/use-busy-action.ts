"use client";
import { useState } from "react";

/**
 * One button's request at a time: `run` clears the last error, marks the action busy, awaits
 * it and shows its error's message, so forms need not repeat the try/finally around a call.
 */
export function useBusyAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => Promise<void>): Promise<void> {
    setError(null);
    setBusy(true);
    try {
      await action();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}
