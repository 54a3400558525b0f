import type { Messages } from "@/lib/i18n/messages";
import { TableHead } from "@/components/ui/table-head";

type Param = { name: string; in: string; required: boolean; description?: string; schema: unknown };
type Op = {
  summary: string;
  description?: string;
  tags: string[];
  parameters: Param[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};

/** One operation of the OpenAPI document, readable by a person. */
export function Operation({ method, path, op, m }: { method: string; path: string; op: Op; m: Messages }) {
  return (
    <section className="op" id={`${method}-${path}`}>
      <div className="op-head">
        <span className={`method ${method}`}>{method.toUpperCase()}</span>
        <span className="path">{path}</span>
        <span className="muted">{op.summary}</span>
      </div>
      {op.parameters.length > 0 && (
        <>
          <h4>{m["api.params"]}</h4>
          <table>
            <TableHead headings={[m["api.name"], m["api.in"], m["api.required"], m["api.schema"]]} />
            <tbody>
              {op.parameters.map((p) => (
                <tr key={p.name}>
                  <td>
                    <code>{p.name}</code>
                  </td>
                  <td>{p.in}</td>
                  <td>{p.required ? m["common.yes"] : m["common.no"]}</td>
                  <td>
                    <code>{JSON.stringify(p.schema)}</code>
                    {p.description ? <div className="muted">{p.description}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {op.requestBody && (
        <>
          <h4>{m["api.body"]}</h4>
          {Object.entries(op.requestBody.content).map(([type, c]) => (
            <pre key={type}>{`${type}\n${JSON.stringify(c.schema, null, 2)}`}</pre>
          ))}
        </>
      )}
      <h4>{m["api.responses"]}</h4>
      <table>
        <tbody>
          {Object.entries(op.responses).map(([status, r]) => (
            <tr key={status}>
              <td>
                <code>{status}</code>
              </td>
              <td>
                {r.description}
                {r.content
                  ? Object.entries(r.content).map(([type, c]) => (
                      <details key={type}>
                        <summary className="muted">{type}</summary>
                        <pre>{JSON.stringify(c.schema, null, 2)}</pre>
                      </details>
                    ))
                  : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
