"use client";
import dynamic from "next/dynamic";

// MapLibre needs a browser (window, WebGL) and is large: load the picker on the client, when one is shown.
export const MapPickerLoader = dynamic(() => import("./map-picker").then((m) => m.MapPicker), { ssr: false });
