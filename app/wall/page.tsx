import { WallLoader } from "@/components/map/wall-loader";

// GET /wall – the command centre's video wall (大屏): full screen, dark, cycling by itself
export default function WallPage() {
  return <WallLoader />;
}
