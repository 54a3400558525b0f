"use client";
import { useState } from "react";
import dynamic from "next/dynamic";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { cityInfoQuery, cityLabelsQuery, cityStyleQuery, featuresQuery, kpisQuery, latestQuery } from "./map-queries";
import { parseMapUrl } from "./url-state";

/**
 * Loads a map screen's code and, beside it, MapLibre (a megabyte in its own chunk), which
 * react-map-gl would otherwise ask for only when the map mounts, after the style's request:
 * its download no longer waits for the data.
 */
export function withMapLibre<T>(load: () => Promise<T>): () => Promise<T> {
  return () => {
    void import("maplibre-gl");
    return load();
  };
}

// MapLibre and deck.gl need a browser (window, WebGL): load them on the client only.
const CityMap = dynamic(withMapLibre(() => import("./city-map")), { ssr: false });

/**
 * What the map asks for first (the city, its style and labels, and in live mode each shown
 * layer's features, live snapshot and the KPIs), asked for as soon as this page runs, with the
 * same queries the map reads: the map's code (deck.gl, a megabyte more) loads meanwhile instead
 * of before them. At size 10 on 2 cores, the map mounted 2.0–2.9 s after navigation and only
 * then sent these requests (bench:map's request timeline, README "The city maps").
 */
function prefetchMap(qc: QueryClient, locale: string): void {
  const url = parseMapUrl(window.location.search);
  void qc.prefetchQuery(cityInfoQuery());
  void qc.prefetchQuery(cityStyleQuery("dark"));
  void qc.prefetchQuery(cityLabelsQuery(locale));
  for (const layer of url.layers) void qc.prefetchQuery(featuresQuery(layer));
  if (url.t !== null) return;
  for (const layer of url.layers) void qc.prefetchQuery(latestQuery(layer));
  void qc.prefetchQuery(kpisQuery(null));
}

export function CityMapLoader() {
  const qc = useQueryClient();
  const { locale } = useI18n();
  // Once, at the first render in the browser, before the map's chunk has arrived; nothing when
  // Next.js renders the page on the server (no window there, and the map itself is client-only).
  useState(() => (typeof window === "undefined" ? undefined : prefetchMap(qc, locale)));
  return <CityMap />;
}
