// GET /api-docs – the HTTP API, readable, generated from the OpenAPI document
import { openApiDocument } from "@/lib/api/openapi-document";
import { Operation } from "@/components/api-docs/operation";
import { requestLocale } from "../locale";

export default async function ApiDocsPage() {
  const { messages: m } = await requestLocale();
  const doc = openApiDocument();
  return (
    <div className="doc-page" data-testid="api-docs">
      <h1>{m["api.title"]}</h1>
      <p>
        {m["api.intro"]} <a href="/api/openapi.json">/api/openapi.json</a>
      </p>
      {Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => (
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          <Operation key={`${method} ${path}`} method={method} path={path} op={op as any} m={m} />
        )),
      )}
    </div>
  );
}
