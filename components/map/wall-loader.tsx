"use client";
import dynamic from "next/dynamic";
import { withMapLibre } from "./city-map-loader";

// MapLibre and deck.gl need a browser (window, WebGL): load them on the client only.
export const WallLoader = dynamic(withMapLibre(() => import("./wall")), { ssr: false });
