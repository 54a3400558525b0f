// GET /api/map/features/{id} – one map feature: facts, owner, latest reading and time series
import { objectRoute } from "@/lib/http/object-route";
import { FeatureParams, FeatureQuery } from "@/lib/api/specs";
import { getFeatureDetails } from "@/lib/map/get-feature-details";

export const dynamic = "force-dynamic";
export const GET = objectRoute({ params: FeatureParams, query: FeatureQuery }, ({ viewer, params, query }) => getFeatureDetails({ viewer, id: params.id, ...query }));
