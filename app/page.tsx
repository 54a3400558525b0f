import { CityMapLoader } from "@/components/map/city-map-loader";

// GET / – the live city map
export default function HomePage() {
  return <CityMapLoader />;
}
