"use client";
import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";

export type TrafficValue = { speed: number; ratio: number; observedAt: string };
export type LiveState = "connecting" | "live" | "offline";

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json() as Promise<T>;
}

/**
 * The latest value of every traffic sensor: a first snapshot from /api/traffic/latest, then
 * server-sent events from /api/stream. `version` changes whenever a value changes, for
 * deck.gl's updateTriggers; the Map itself is mutated in place to avoid copying thousands
 * of entries per update.
 */
export function useLiveTraffic() {
  const values = useRef(new Map<string, TrafficValue>());
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<LiveState>("connecting");
  const [lastUpdate, setLastUpdate] = useState<string | null>(null);

  const snapshot = useQuery({
    queryKey: ["traffic-latest"],
    queryFn: () =>
      getJson<{ readings: { device: string; speed: number; ratio: number; observedAt: string }[] }>(
        "/api/traffic/latest",
      ),
    staleTime: Infinity,
  });

  useEffect(() => {
    if (!snapshot.data) return;
    for (const r of snapshot.data.readings) {
      const cur = values.current.get(r.device);
      if (!cur || cur.observedAt < r.observedAt) values.current.set(r.device, r);
    }
    setVersion((v) => v + 1);
  }, [snapshot.data]);

  useEffect(() => {
    const es = new EventSource("/api/stream");
    es.onopen = () => setState("live");
    es.onerror = () => setState("offline");
    es.addEventListener("traffic", (ev) => {
      const batch = JSON.parse((ev as MessageEvent<string>).data) as {
        device: string;
        speed: number;
        ratio: number;
        observedAt: string;
      }[];
      let latest: string | null = null;
      for (const r of batch) {
        values.current.set(r.device, r);
        if (!latest || r.observedAt > latest) latest = r.observedAt;
      }
      if (latest) setLastUpdate(latest);
      setState("live");
      setVersion((v) => v + 1);
    });
    return () => es.close();
  }, []);

  return { values: values.current, version, state, lastUpdate, snapshotError: snapshot.error };
}

export { getJson };
