"use client";
import dynamic from "next/dynamic";

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
export const CityMapLoader = dynamic(withMapLibre(() => import("./city-map")), { ssr: false });
