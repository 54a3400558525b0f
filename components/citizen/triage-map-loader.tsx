"use client";
import dynamic from "next/dynamic";

// MapLibre needs a browser (window, WebGL): load the triage map on the client only.
export const TriageMapLoader = dynamic(() => import("./triage-map").then((m) => m.TriageMap), { ssr: false });
