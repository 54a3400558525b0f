import { CityMapLoader } from "@/components/map/city-map-loader";
import { preloadFirstMapRequests } from "@/components/map/map-urls";
import { requestLocale } from "./locale";

// GET / – the live city map
export default async function HomePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const [params, { locale }] = await Promise.all([searchParams, requestLocale()]);
  const search = new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
  preloadFirstMapRequests(search.toString(), locale);
  return <CityMapLoader />;
}
