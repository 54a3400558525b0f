import { queryOptions } from "@tanstack/react-query";
import type { StyleSpecification } from "maplibre-gl";
import type { FeatureDetails, Frames, Kpis, LayerFeatures, LayerLatest, MapLayerId, MapLayers } from "@/lib/api/map-specs";
import { getJson, retryTransient } from "@/components/http/fetch-json";
import type { LabelFeature } from "./label-layers";

export type District = { id: string; nameZh: string; nameEn: string; bbox: [number, number, number, number] };
export type CityInfo = {
  /** The city's seed; an imported city's starts with "osm:" (lib/city/imported.ts). */
  seed: string;
  nameZh: string;
  nameEn: string;
  center: [number, number];
  bounds: [number, number, number, number];
  zoom: number;
  districts: District[];
  /** Named roads with their bounds (search by name). */
  roads?: CityRoad[];
  /** Offset of the city's local time from UTC (minutes). */
  utcOffsetMinutes?: number;
};
export type CityRoad = { id: string; nameZh: string; nameEn: string; class: string; bbox: [number, number, number, number] };

const forever = { staleTime: Infinity, gcTime: Infinity, retry: retryTransient } as const;

// One queryOptions per resource, shared by every component that reads it.
export const cityInfoQuery = () => queryOptions({ queryKey: ["city-info"], queryFn: () => getJson<CityInfo>("/api/city"), ...forever });
export const cityStyleQuery = (theme: "dark" | "light") =>
  queryOptions({ queryKey: ["city-style", theme], queryFn: () => getJson<StyleSpecification>(`/api/city/style?theme=${theme}`), ...forever });
export const cityLabelsQuery = (locale: string) =>
  queryOptions({ queryKey: ["city-labels", locale], queryFn: () => getJson<{ labels: LabelFeature[] }>(`/api/city/labels?lang=${locale}`), ...forever });
export const mapLayersQuery = () =>
  queryOptions({ queryKey: ["map-layers"], queryFn: () => getJson<MapLayers>("/api/map/layers"), staleTime: 60_000, retry: retryTransient });
export const featuresQuery = (layer: MapLayerId) =>
  queryOptions({ queryKey: ["map-features", layer], queryFn: () => getJson<LayerFeatures>(`/api/map/layers/${layer}/features`), ...forever });
/** The live snapshot of a layer; live events refresh it (energy, safety) or patch it (traffic). */
export const latestQuery = (layer: MapLayerId) =>
  queryOptions({ queryKey: ["map-latest", layer], queryFn: () => getJson<LayerLatest>(`/api/map/layers/${layer}/latest`), staleTime: 60_000, retry: retryTransient });
export const framesQuery = (layer: MapLayerId, from: string, to: string) =>
  queryOptions({
    queryKey: ["map-frames", layer, from, to],
    queryFn: () => getJson<Frames>(`/api/map/layers/${layer}/frames?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&bucket=300`),
    staleTime: Infinity,
    gcTime: 10 * 60_000,
    retry: retryTransient,
  });
export const kpisQuery = (to: string | null) =>
  queryOptions({
    queryKey: ["map-kpis", to ?? "live"],
    queryFn: () => getJson<Kpis>(`/api/map/kpis${to ? `?to=${encodeURIComponent(to)}` : ""}`),
    staleTime: to ? Infinity : 10_000,
    refetchInterval: to ? false : 15_000,
    retry: retryTransient,
  });
export const featureQuery = (id: string, to: string | null) =>
  queryOptions({
    queryKey: ["map-feature", id, to ?? "live"],
    queryFn: () => getJson<FeatureDetails>(`/api/map/features/${encodeURIComponent(id)}${to ? `?to=${encodeURIComponent(to)}` : ""}`),
    staleTime: to ? Infinity : 10_000,
    refetchInterval: to ? false : 30_000,
    retry: retryTransient,
  });
