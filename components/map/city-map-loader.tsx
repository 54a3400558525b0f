"use client";
import dynamic from "next/dynamic";

// MapLibre and deck.gl need a browser (window, WebGL): load them on the client only.
export const CityMapLoader = dynamic(() => import("./city-map"), { ssr: false });
