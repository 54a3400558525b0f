import { preload } from "react-dom";
import { CityMapLoader } from "@/components/map/city-map-loader";
import { firstMapUrls } from "@/components/map/map-urls";
import { requestLocale } from "./locale";

// GET / – the live city map
export default async function HomePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const [params, { locale }] = await Promise.all([searchParams, requestLocale()]);
  // The map's first requests leave with the page's head, and the console answers them while
  // the browser loads the map's code (about a second and a half on this kind of machine); the
  // map's own fetches of the same addresses then take the answers instead of asking again.
  const search = new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
  for (const url of firstMapUrls(search.toString(), locale)) preload(url, { as: "fetch", crossOrigin: "anonymous" });
  return <CityMapLoader />;
}
