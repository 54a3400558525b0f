import http from "node:http";
import type net from "node:net";
import { tagPeer } from "../http/client-address";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;
/** A route module as app/ exports it: a handler per method. */
export type RouteModule = Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", Handler>>;

/**
 * A real HTTP server on 127.0.0.1 that hands each request to the console's own route handlers
 * (the app/ modules), as Next.js would: for tests of tools that talk to a running console
 * over HTTP without building the whole app. `route(pathname)` picks the module and the
 * dynamic segments' values; an unknown path answers 404.
 */
export async function serveRoutes(port: number, route: (pathname: string) => { module: RouteModule; params?: Record<string, string> } | null): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    tagPeer(req);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
        const found = route(url.pathname);
        const handler = found?.module[req.method as keyof RouteModule];
        if (!found || !handler) {
          res.writeHead(found ? 405 : 404).end();
          return;
        }
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
        const r = await handler(new Request(url, { method: req.method, headers, body }), { params: Promise.resolve(found.params ?? {}) });
        const out: Record<string, string | string[]> = {};
        r.headers.forEach((v, k) => {
          if (k !== "set-cookie") out[k] = v;
        });
        const cookies = r.headers.getSetCookie();
        if (cookies.length) out["set-cookie"] = cookies;
        res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
      })().catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(String((e as Error)?.stack ?? e));
      });
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
