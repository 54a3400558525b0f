// GET /api/datasets/{id}/readings – a dataset's readings at the scope the viewer may see
import { objectRoute } from "@/lib/http/object-route";
import { DatasetIdParams, DatasetReadingsQuery } from "@/lib/api/specs";
import { readDataset } from "@/lib/access/read-dataset";

export const dynamic = "force-dynamic";
export const GET = objectRoute({ params: DatasetIdParams, query: DatasetReadingsQuery }, ({ viewer, params, query }) => readDataset({ viewer, datasetId: params.id, ...query }));
