"use client";
import { useEffect } from "react";
import dynamic from "next/dynamic";
import { useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { startMapQueries } from "./map-queries";

// MapLibre and deck.gl need a browser (window, WebGL): load them on the client only.
const CityMap = dynamic(() => import("./city-map"), { ssr: false });

/**
 * The map page: its first requests (city, base style, labels, access, and the features and
 * live values of the URL's layers) leave as the page hydrates, while the map's code (MapLibre
 * and deck.gl, the largest chunk) still loads, instead of after it; the map then finds them
 * in the query cache.
 */
export function CityMapLoader() {
  const qc = useQueryClient();
  const { locale } = useI18n();
  useEffect(() => startMapQueries(qc, locale, window.location.search), [qc, locale]);
  return <CityMap />;
}
