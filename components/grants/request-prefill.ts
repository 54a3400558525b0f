/**
 * The request form's prefill from the URL (`/admin/grants?request=<dataset>&scope=&purpose=`),
 * as the map's "request access" button builds it. Unknown datasets or scopes are ignored,
 * not guessed; the purpose is cut to 500 characters. Pure: runs in Node for tests.
 */
export type RequestPrefill = { datasetId: string; scope: "raw" | "anonymized" | "aggregated" | null; purpose: string };

const SCOPES = ["raw", "anonymized", "aggregated"] as const;

export function parseRequestPrefill(params: URLSearchParams, datasetIds: readonly string[]): RequestPrefill | null {
  const datasetId = params.get("request");
  if (!datasetId || !datasetIds.includes(datasetId)) return null;
  const scope = params.get("scope");
  return {
    datasetId,
    scope: (SCOPES as readonly string[]).includes(scope ?? "") ? (scope as RequestPrefill["scope"]) : null,
    purpose: (params.get("purpose") ?? "").trim().slice(0, 500),
  };
}
