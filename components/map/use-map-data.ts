"use client";
import { useEffect, useMemo, useRef, useState } from "react";
import { useQueries, useQueryClient } from "@tanstack/react-query";
import type { AccessNote, CitizenFeatures, CitizenLatest, EnergyFeatures, EnergyLatest, Frames, LayerLatest, LiveMapUpdate, LiveReading, MapLayerId, MapLayers, SafetyFeatures, SafetyLatest, TrafficFeatures } from "@/lib/api/map-specs";
import { blocksTraffic, patchEnergy, patchIncidents, patchSafety } from "./live-patch";
import { cellCount, cellsFromFrames, cellsFromLatest, layerOfDataset, type CellDraw } from "./scoped-layers";
import { featuresQuery, framesQuery, latestQuery } from "./map-queries";
import { HttpError } from "@/components/http/fetch-json";
import { LAYER_DATASETS } from "@/lib/map/layer-datasets";
import {
  applyTrafficUpdates, bucketAt, decodeFrames, energyAt, energyFromLatest, indexOf, safetyAt, safetyFromLatest, trafficAt, trafficFromLatest,
  type DecodedFrames, type EnergyValues, type SafetyValues, type TrafficUpdate, type TrafficValues,
} from "./layer-values";
import { citizenAt, citizenFromLatest, type CitizenValues } from "./citizen-layers";

export type LiveState = "connecting" | "live" | "offline";
/** Live, or replaying moment t from frames of [from, to). */
export type TimeMode = { live: true } | { live: false; t: number; from: string; to: string };

const LAYERS: MapLayerId[] = ["traffic", "energy", "safety", "citizen"];
/** Replay chunk length: two hours (the server caches whole-city frames in these). */
export const CHUNK_MS = 2 * 3_600_000;

/** The replay chunk holding moment t, clipped to the replay window (ISO instants). */
export function chunkOf(t: number, from: number, to: number): [string, string] {
  const start = Math.floor(t / CHUNK_MS) * CHUNK_MS;
  return [new Date(Math.max(from, start)).toISOString(), new Date(Math.min(to, start + CHUNK_MS)).toISOString()];
}

/**
 * The starts of the replay window's chunks in the order they are fetched ahead once moment t
 * is drawn: the chunk after t's first (playback runs forward), then outwards, later before earlier.
 * t's own chunk is left out (it is fetched first, by itself).
 */
export function prefetchOrder(t: number, from: number, to: number): number[] {
  const own = Math.floor(t / CHUNK_MS) * CHUNK_MS;
  const starts: number[] = [];
  for (let s = Math.floor(from / CHUNK_MS) * CHUNK_MS; s < to; s += CHUNK_MS) if (s !== own) starts.push(s);
  const rank = (s: number) => (s > own ? 2 * ((s - own) / CHUNK_MS) - 1 : 2 * ((own - s) / CHUNK_MS));
  return starts.sort((a, b) => rank(a) - rank(b));
}
/** A replay chunk ending less than this before now may still gain readings. */
const FILLING_MS = 10 * 60_000;
/** Cells of datasets held anonymized or aggregated are fetched again at most this often while they change. */
const REFRESH_MS = 1500;
/**
 * Live updates are drawn in batches at most this often. Each batch redraws the whole map
 * (base map and every layer): four times a second kept a software renderer busy all the time.
 */
const FLUSH_MS = 750;
/** Traffic features are fetched again at most this often when a live update names a sensor they lack. */
const FEATURES_RELOAD_MS = 10_000;

/**
 * Query keys whose answers depend on the viewer's grants: refetched when access changes.
 * "datasets" is the header's data-access menu, "grant-notifications" its badge: their
 * grant notes follow the map's instead of waiting for their own polling.
 */
export const ACCESS_DEPENDENT_KEYS = ["map-layers", "map-features", "map-latest", "map-frames", "map-kpis", "map-feature", "datasets", "grant-notifications"] as const;

/**
 * Server-sent events from /api/stream: each `map-update` (one commit's changes) patches
 * every layer's live values in place (traffic speeds, energy feeders and sites, cameras and
 * incidents); its `cells` (datasets held anonymized or aggregated) refresh their layer;
 * `access` (a grant approved, revoked or expired) carries the new access notes: everything
 * that depends on them is fetched again, so data appears or disappears without a reload.
 */
export function useLiveStream(handlers: { update(u: LiveMapUpdate): void; changed(layer: MapLayerId): void; access(notes: AccessNote[], first: boolean): void }) {
  const [state, setState] = useState<LiveState>("connecting");
  const [notes, setNotes] = useState<AccessNote[] | null>(null);
  const [lastUpdate, setLastUpdate] = useState<string | null>(null);
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const es = new EventSource("/api/stream");
    es.onopen = () => setState("live");
    es.onerror = () => setState(es.readyState === EventSource.CLOSED ? "offline" : "connecting");
    es.addEventListener("map-update", (ev) => {
      const u = JSON.parse((ev as MessageEvent<string>).data) as LiveMapUpdate;
      ref.current.update(u);
      for (const l of new Set([...(u.cells ?? []).map(layerOfDataset), ...(u.reload ?? [])])) ref.current.changed(l);
      let latest: string | null = null;
      for (const list of [u.traffic, u.energy, u.incidents, u.cameras]) for (const x of list ?? []) if (!latest || x.observedAt > latest) latest = x.observedAt;
      if (latest) setLastUpdate((cur) => (cur && cur > latest! ? cur : latest));
      setState("live");
    });
    let first = true;
    es.addEventListener("access", (ev) => {
      const n = JSON.parse((ev as MessageEvent<string>).data) as AccessNote[];
      setNotes(n);
      // The first answer is usually the state the page loaded with; later ones are changes.
      ref.current.access(n, first);
      first = false;
    });
    return () => es.close();
  }, []);
  return { state, lastUpdate, notes };
}

/** Whether two answers of the access check say the same, whatever their datasets' order. */
export function sameNotes(a: readonly AccessNote[], b: readonly AccessNote[]): boolean {
  const key = (n: readonly AccessNote[]) => JSON.stringify([...n].sort((x, y) => (x.datasetId < y.datasetId ? -1 : x.datasetId > y.datasetId ? 1 : 0)));
  return key(a) === key(b);
}

export type LayerData<F, V> = {
  features: F | undefined;
  values: V | null;
  /** Changes whenever values change (values may be patched in place). */
  version: number;
  featuresError: unknown;
  valuesError: unknown;
  loading: boolean;
  /** Cells drawn for datasets held anonymized or aggregated. */
  cells: number;
};

/**
 * Features and values of every layer for the time mode: live snapshots patched by live
 * events, or the replayed bucket of the frames. Only active layers fetch; what was fetched
 * stays cached when a layer is switched off, so switching it on again is instant.
 */
export function useMapData(active: ReadonlySet<MapLayerId>, mode: TimeMode) {
  const qc = useQueryClient();
  const [seen, setSeen] = useState<ReadonlySet<MapLayerId>>(new Set(active));
  useEffect(() => {
    setSeen((s) => (LAYERS.every((l) => !active.has(l) || s.has(l)) ? s : new Set([...s, ...active])));
  }, [active]);

  const features = useQueries({ queries: LAYERS.map((l) => ({ ...featuresQuery(l), enabled: seen.has(l) })) });
  const latest = useQueries({ queries: LAYERS.map((l) => ({ ...latestQuery(l), enabled: mode.live && seen.has(l) })) });
  // A refused refetch (a grant revoked) keeps TanStack's previous answer: never draw it.
  const latestData = latest.map((q) => (q.error instanceof HttpError && q.error.status === 403 ? undefined : q.data));
  // Replay loads two hours at a time (the server's cached chunks): the chunk of moment t first,
  // then the rest of the window in the background; what was drawn stays drawn while t's chunk loads.
  const [cs, ce] = mode.live ? ["", ""] : chunkOf(mode.t, Date.parse(mode.from), Date.parse(mode.to));
  // Layers whose primary dataset the viewer may not read (the stream's access notes): their
  // history is not asked for (it would be refused), and its absence is no replay error.
  const [hidden, setHidden] = useState<ReadonlySet<MapLayerId>>(new Set());
  const replays = (l: MapLayerId) => !mode.live && active.has(l) && !hidden.has(l);
  // The newest chunk still fills (readings of the last minutes are folded in as they arrive): it
  // is asked for again after a while, and never fetched ahead; older chunks do not change.
  const filling = (end: string) => Date.parse(end) > Date.now() - FILLING_MS;
  const frames = useQueries({
    queries: LAYERS.map((l) => ({ ...framesQuery(l, cs, ce), enabled: replays(l), staleTime: ce && filling(ce) ? 30_000 : Infinity })),
  });
  // Moment t's chunk is still on its way for a replayed layer (an error counts as an answer).
  // Only a request in flight is waited for: a query that is not fetching and holds neither data
  // nor an error (one cancelled before its answer and reverted, or not started) will bring
  // nothing, and waiting for it kept the previous drawing (for a new page: nothing, "loading")
  // until the page was left.
  const waiting = !mode.live && frames.some((q, i) => replays(LAYERS[i]) && !q.data && !q.error && q.fetchStatus !== "idle");
  // The rest of the window is fetched ahead, one chunk at a time, once the moment's own chunk is
  // in and drawn: asked for together, they shared the server's one database connection (and this
  // machine's cores with the frame being drawn) and a seek waited for all of them. Later seeks
  // and playback then draw from memory. Going live does not stop it (the next replay window
  // shares every chunk but its two edges); a seek elsewhere starts again from there.
  const replayed = LAYERS.filter((l) => replays(l)).join(",");
  const mt = mode.live ? 0 : mode.t;
  const [winFrom, winTo] = mode.live ? ["", ""] : [mode.from, mode.to];
  const tNow = useRef(mt);
  tNow.current = mt;
  const prefetchRun = useRef(0);
  useEffect(() => () => void prefetchRun.current++, []);
  useEffect(() => {
    if (!winFrom || !cs || !replayed) return;
    // A seek stops what was being fetched ahead for the previous moment.
    const run = ++prefetchRun.current;
    if (waiting) return;
    const from = Date.parse(winFrom), to = Date.parse(winTo);
    void (async () => {
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 100))));
      for (const start of prefetchOrder(tNow.current, from, to)) {
        const [a, b] = chunkOf(start, from, to);
        if (filling(b)) continue;
        for (const l of replayed.split(",") as MapLayerId[]) {
          if (run !== prefetchRun.current) return;
          await qc.prefetchQuery(framesQuery(l, a, b));
        }
      }
    })();
  }, [cs, replayed, winFrom, winTo, qc, waiting]);
  const tf = features[0].data as TrafficFeatures | undefined;
  const ef = features[1].data as EnergyFeatures | undefined;
  const sf = features[2].data as SafetyFeatures | undefined;
  const cf = features[3].data as CitizenFeatures | undefined;

  // Traffic live values: the snapshot, then patched in place by live updates in batches.
  const trafficIndex = useMemo(() => (tf ? indexOf(tf.sensors.ids) : new Map<string, number>()), [tf]);
  // No values until the snapshot has arrived: the panel says "loading", not "no readings".
  const trafficLive = useMemo(() => (tf && latestData[0] ? trafficFromLatest(tf, latestData[0] as Extract<LayerLatest, { layer: "traffic" }>, trafficIndex) : null), [tf, latestData[0], trafficIndex]);
  const [trafficVersion, setTrafficVersion] = useState(0);
  const pending = useRef<TrafficUpdate[]>([]);
  // Energy and safety readings wait here for the next batch; they patch the layers' snapshots in the query cache.
  const pendingReadings = useRef<{ energy: LiveReading[]; cameras: LiveReading[]; incidents: LiveReading[] }>({ energy: [], cameras: [], incidents: [] });
  const efRef = useRef(ef);
  efRef.current = ef;
  useEffect(() => {
    const timer = setInterval(() => {
      let drawn = false;
      if (pending.current.length && trafficLive) {
        const batch = pending.current;
        pending.current = [];
        if (applyTrafficUpdates(trafficLive, trafficIndex, batch) > 0) drawn = true;
      }
      const { energy, cameras, incidents } = pendingReadings.current;
      pendingReadings.current = { energy: [], cameras: [], incidents: [] };
      if (incidents.length && trafficLive?.incidents) {
        const next = patchIncidents(trafficLive.incidents, incidents, blocksTraffic);
        if (next !== trafficLive.incidents) {
          trafficLive.incidents = next;
          drawn = true;
        }
      }
      if (drawn) setTrafficVersion((v) => v + 1);
      const f = efRef.current;
      if (energy.length && f) qc.setQueryData<LayerLatest>(latestQuery("energy").queryKey, (old) => (old?.layer === "energy" ? patchEnergy(old as EnergyLatest, f, energy) : old));
      if (cameras.length || incidents.length) {
        qc.setQueryData<LayerLatest>(latestQuery("safety").queryKey, (old) => (old?.layer === "safety" ? patchSafety(old as SafetyLatest, cameras, incidents) : old));
      }
    }, FLUSH_MS);
    return () => clearInterval(timer);
  }, [trafficLive, trafficIndex, qc]);

  const lastRefresh = useRef<Record<string, number>>({});
  const refreshTimers = useRef<Record<string, ReturnType<typeof setTimeout>>>({});
  useEffect(() => {
    const timers = refreshTimers.current;
    return () => Object.values(timers).forEach(clearTimeout);
  }, []);
  const featuresReloadedAt = useRef(0);
  const live = useLiveStream({
    update: (u) => {
      if (u.traffic) pending.current.push(...u.traffic);
      // A traffic device the features lack: a registered sensor the map has just placed on a
      // road (lib/map/registry-sensors). Its segment is fetched with the features again.
      if (tf && u.traffic?.some((x) => !trafficIndex.has(x.device)) && Date.now() - featuresReloadedAt.current > FEATURES_RELOAD_MS) {
        featuresReloadedAt.current = Date.now();
        void qc.invalidateQueries({ queryKey: featuresQuery("traffic").queryKey });
        void qc.invalidateQueries({ queryKey: latestQuery("traffic").queryKey });
      }
      const p = pendingReadings.current;
      if (u.energy) p.energy.push(...u.energy);
      if (u.cameras) p.cameras.push(...u.cameras);
      if (u.incidents) p.incidents.push(...u.incidents);
    },
    changed: (layer) => {
      // Leading edge at once, then at most every REFRESH_MS.
      const now = Date.now();
      const wait = (lastRefresh.current[layer] ?? 0) + REFRESH_MS - now;
      if (refreshTimers.current[layer]) return;
      const run = () => {
        delete refreshTimers.current[layer];
        lastRefresh.current[layer] = Date.now();
        void qc.invalidateQueries({ queryKey: latestQuery(layer).queryKey });
      };
      if (wait <= 0) run();
      else refreshTimers.current[layer] = setTimeout(run, wait);
    },
    access: (notes, first) => {
      // The stream's first answer: a change only when it differs from what the page loaded
      // (a grant changed between the page's first requests and the stream's opening).
      if (first) {
        const loaded = qc.getQueryData<MapLayers>(["map-layers"])?.access;
        if (!loaded || sameNotes(loaded, notes)) return;
      }
      for (const key of ACCESS_DEPENDENT_KEYS) void qc.invalidateQueries({ queryKey: [key] });
    },
  });

  useEffect(() => {
    const denied = new Set((live.notes ?? []).filter((n) => !n.allowed).map((n) => n.datasetId));
    const next = new Set(LAYERS.filter((l) => LAYER_DATASETS[l].some((d) => d.primary && denied.has(d.id))));
    setHidden((cur) => (cur.size === next.size && [...next].every((l) => cur.has(l)) ? cur : next));
  }, [live.notes]);

  // Replay: decode each layer's frames once, then pick the bucket of moment t.
  const decoded = useMemo(() => {
    const out: (DecodedFrames | null)[] = [null, null, null];
    const fr = frames.map((q) => q.data as Frames | undefined);
    if (tf && fr[0]) out[0] = decodeFrames(fr[0], { ratio: tf.sensors.ids, flow: tf.sensors.ids });
    if (ef && fr[1]) out[1] = decodeFrames(fr[1], { feederUtil: ef.feeders.ids, renewableCf: ef.renewables.ids, substationUtil: ef.substations.ids, cellLoad: ef.cells.ids });
    if (sf && fr[2]) out[2] = decodeFrames(fr[2], { cameraState: sf.cameras?.ids ?? [] });
    return out;
  }, [tf, ef, sf, frames[0].data, frames[1].data, frames[2].data]);
  const t = mt;
  const buckets = decoded.map((d) => (d && !mode.live ? bucketAt(d, t) : -1));
  // Incidents change within a bucket; step them by the minute.
  const minute = Math.floor(t / 60_000);

  const trafficReplay = useMemo(() => (tf && decoded[0] && buckets[0] >= 0 ? trafficAt(tf, decoded[0], t) : null),
    [tf, decoded[0], buckets[0]]);
  const energyValues = useMemo<EnergyValues | null>(() => {
    if (!ef) return null;
    if (mode.live) return latestData[1] ? energyFromLatest(ef, latestData[1] as Extract<LayerLatest, { layer: "energy" }>) : null;
    return decoded[1] ? energyAt(ef, decoded[1], t) : null;
  }, [ef, mode.live, latestData[1], decoded[1], buckets[1]]);
  // Citizen reports: the live answer (aged to the clock's minute), or those standing at moment t of the replayed spans.
  const nowMinute = Math.floor(Date.now() / 60_000);
  const citizenValues = useMemo<CitizenValues | null>(() => {
    if (!cf) return null;
    if (mode.live) return latestData[3] ? citizenFromLatest(latestData[3] as CitizenLatest, nowMinute * 60_000) : null;
    const f = frames[3].data as Frames | undefined;
    return f?.reports ? citizenAt(f.reports, t) : f ? { reports: [], at: t, count: 0 } : null;
  }, [cf, mode.live, latestData[3], frames[3].data, minute, nowMinute]);
  const safetyValues = useMemo<SafetyValues | null>(() => {
    if (!sf) return null;
    if (mode.live) return latestData[2] ? safetyFromLatest(sf, latestData[2] as Extract<LayerLatest, { layer: "safety" }>) : null;
    return decoded[2] ? safetyAt(sf, decoded[2], t) : null;
  }, [sf, mode.live, latestData[2], decoded[2], buckets[2], minute]);

  const trafficValues: TrafficValues | null = mode.live ? trafficLive : trafficReplay;
  // The start of the replayed bucket drawn (null: live), for tests and benchmarks.
  const di = decoded.findIndex((d, i) => !!d && replays(LAYERS[i]));
  const frameAt = mode.live ? null : di >= 0 ? decoded[di]!.from + buckets[di] * decoded[di]!.bucketMs : null;
  // Anonymized and aggregated datasets: cells from the live answers or the replayed bucket.
  const scoped = useMemo<CellDraw[]>(() => {
    if (mode.live) return latestData.flatMap((d) => cellsFromLatest((d as LayerLatest | undefined)?.scoped));
    return frames.flatMap((q) => {
      const f = q.data as Frames | undefined;
      if (!f?.scoped.length) return [];
      const b = Math.max(0, Math.min(f.count - 1, Math.floor((t - Date.parse(f.from)) / (f.bucketS * 1000))));
      return cellsFromFrames(f.scoped, b);
    });
  }, [mode.live, latestData[0], latestData[1], latestData[2], latestData[3], frames[0].data, frames[1].data, frames[2].data, frames[3].data, mode.live ? 0 : Math.floor(t / 300_000)]);
  const drawn = {
    scoped,
    traffic: { values: trafficValues, version: mode.live ? trafficVersion : buckets[0] },
    energy: energyValues,
    safety: safetyValues,
    citizen: citizenValues,
    frameAt,
  };
  // While moment t's chunk loads, what was drawn stays drawn (the same values objects: no
  // colours rebuilt, no buffers uploaded, no frame drawn for a state nobody asked for); the
  // slider says loading.
  const shown = useRef(drawn);
  const out = waiting ? shown.current : drawn;
  shown.current = out;
  const status = (i: number) => ({
    featuresError: features[i].error,
    // In replay a hidden layer's frames are not fetched: the panel says hidden from the notes.
    valuesError: mode.live ? latest[i].error : hidden.has(LAYERS[i]) ? null : frames[i].error,
    loading: active.has(LAYERS[i]) && (features[i].isLoading || (mode.live ? latest[i].isLoading : frames[i].isLoading)),
    cells: cellCount(out.scoped, LAYERS[i]),
  });
  return {
    live,
    scoped: out.scoped,
    /** The start of the replayed bucket drawn, or null (live, or nothing replayed yet). */
    frameAt: out.frameAt,
    /** Live, or moment t's frames are in: what depends on the replayed moment may load now. */
    replayReady: !waiting,
    traffic: { features: tf, ...out.traffic, ...status(0) } as LayerData<TrafficFeatures, TrafficValues>,
    energy: { features: ef, values: out.energy, version: 0, ...status(1) } as LayerData<EnergyFeatures, EnergyValues>,
    safety: { features: sf, values: out.safety, version: 0, ...status(2) } as LayerData<SafetyFeatures, SafetyValues>,
    citizen: { features: cf, values: out.citizen, version: 0, ...status(3) } as LayerData<CitizenFeatures, CitizenValues>,
  };
}
