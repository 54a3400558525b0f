"use client";
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Map as MapLibreMap } from "maplibre-gl";
import type { CitizenLatest, EnergyFeatures, IncidentState, SafetyFeatures, SafetyLatest, TrafficFeatures } from "@/lib/api/map-specs";
import { CITIZEN_LAYER_SERVICES } from "@/lib/citizen/service-catalogue";
import type { MessageKey } from "@/lib/i18n/messages";
import { useI18n } from "../i18n/i18n-provider";
import { cityInfoQuery, featuresQuery, latestQuery } from "./map-queries";
import { buildSearchItems, searchItems, type SearchItem } from "./search-index";
import styles from "./ops.module.css";

/** Screen space the map's panels take (left column, feature panel on the right, KPIs on top, slider below). */
const PANEL_PADDING = { top: 96, bottom: 96, left: 272, right: 430 };

/** Fits padding to the map's size: never more than 40 % of a dimension on one side. */
function padding(map: MapLibreMap) {
  const c = map.getContainer();
  const w = c.clientWidth, h = c.clientHeight;
  const cap = (v: number, d: number) => Math.min(v, Math.floor(d * 0.4));
  return { top: cap(PANEL_PADDING.top, h), bottom: cap(PANEL_PADDING.bottom, h), left: cap(PANEL_PADDING.left, w), right: cap(PANEL_PADDING.right, w) };
}

/** Flies to a point (street zoom) or fits bounds, keeping the target clear of the panels. */
export function flyToTarget(map: MapLibreMap | null, target: { position?: [number, number]; bbox?: [number, number, number, number] }) {
  if (!map) return;
  if (target.bbox) map.fitBounds(target.bbox, { padding: padding(map), duration: 1200, maxZoom: 15 });
  else if (target.position) map.flyTo({ center: target.position, zoom: Math.max(map.getZoom(), 15), padding: padding(map), duration: 1200 });
}

/**
 * Search by district or road name (Chinese or English), device, station or incident id, over
 * the city model and the layer features already loaded for this viewer (nothing else is read).
 * Enter or a click flies there; devices and incidents open in the feature panel.
 */
export function MapSearch(props: { onPick: (item: SearchItem) => void }) {
  const { t, locale } = useI18n();
  const info = useQuery(cityInfoQuery());
  // From the cache only: search covers the layers the map has loaded, and loads none itself.
  const tf = useQuery({ ...featuresQuery("traffic"), enabled: false });
  const ef = useQuery({ ...featuresQuery("energy"), enabled: false });
  const sf = useQuery({ ...featuresQuery("safety"), enabled: false });
  const sl = useQuery({ ...latestQuery("safety"), enabled: false });
  const incidents = (sl.data as SafetyLatest | undefined)?.incidents as IncidentState[] | null | undefined;
  const cl = useQuery({ ...latestQuery("citizen"), enabled: false });
  const reports = (cl.data as CitizenLatest | undefined)?.reports;
  const kinds = useMemo(
    () => ({
      "traffic-sensor": t("kind.traffic-sensor"),
      feeder: t("kind.feeder"),
      substation: t("kind.substation"),
      renewable: t("kind.renewable"),
      station: t("kind.station"),
      camera: t("kind.camera"),
      ...Object.fromEntries((["accident", "fire", "crime", "hazard"] as const).map((k) => [`incident.${k}`, t(`incident.${k}`)])),
      ...Object.fromEntries(CITIZEN_LAYER_SERVICES.map((x) => [`report.${x.code}`, locale === "en" ? x.nameEn : x.nameZh])),
    }),
    [t, locale],
  );
  const items = useMemo(
    () =>
      buildSearchItems(
        {
          districts: info.data?.districts,
          roads: info.data?.roads,
          traffic: tf.data as TrafficFeatures | undefined,
          energy: ef.data as EnergyFeatures | undefined,
          safety: sf.data as SafetyFeatures | undefined,
          incidents,
          reports,
        },
        locale,
        kinds,
      ),
    [info.data, tf.data, ef.data, sf.data, incidents, reports, locale, kinds],
  );
  const [q, setQ] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const results = useMemo(() => searchItems(items, q), [items, q]);
  const pick = (item: SearchItem | undefined) => {
    if (!item) return;
    props.onPick(item);
    setOpen(false);
    setQ(item.label);
  };
  return (
    <div className={styles.search} data-testid="map-search" role="search">
      <input
        type="search"
        value={q}
        placeholder={t("search.placeholder")}
        aria-label={t("search.label")}
        data-testid="map-search-input"
        onChange={(e) => {
          setQ(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, results.length - 1));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
          else if (e.key === "Enter") pick(results[active]);
          else if (e.key === "Escape") setOpen(false);
          else return;
          e.preventDefault();
        }}
      />
      {open && q.trim() ? (
        <ul className={styles.results} role="listbox" data-testid="map-search-results">
          {results.length === 0 ? <li className={styles.note}>{t("search.none")}</li> : null}
          {results.map((r, i) => (
            <li key={`${r.kind}:${r.id}`} role="option" aria-selected={i === active}>
              <button className={`${styles.result}${i === active ? ` ${styles.active}` : ""}`} onMouseDown={(e) => e.preventDefault()} onClick={() => pick(r)} data-testid="map-search-result" data-kind={r.kind} data-id={r.id}>
                <span className={styles.resultKind}>{t(`search.kind.${r.kind}` as MessageKey)}</span>
                <span>{r.label}</span>
                <span className={styles.resultSub}>{r.sub}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
