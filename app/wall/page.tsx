import { WallLoader } from "@/components/map/wall-loader";
import { preloadFirstMapRequests } from "@/components/map/map-urls";
import { MAP_LAYERS } from "@/lib/api/map-specs";
import { requestLocale } from "../locale";

// GET /wall – the command centre's video wall (大屏): full screen, dark, cycling by itself
export default async function WallPage() {
  // The wall keeps every layer's data loaded (its tour draws each at once).
  preloadFirstMapRequests(`layers=${MAP_LAYERS.join(",")}`, (await requestLocale()).locale);
  return <WallLoader />;
}
