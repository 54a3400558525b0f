import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";

export class ConsoleTlsError extends Error {}

/** The console's own HTTPS identity from TLS_CERT and TLS_KEY (PEM files), or null when neither is set. */
export function consoleTls(env: { TLS_CERT?: string; TLS_KEY?: string }): { cert: string; key: string } | null {
  if (!env.TLS_CERT && !env.TLS_KEY) return null;
  if (!env.TLS_CERT || !env.TLS_KEY) throw new ConsoleTlsError("TLS_CERT and TLS_KEY must be set together");
  const read = (file: string, name: string) => {
    try {
      return fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new ConsoleTlsError(`${name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  const cert = read(env.TLS_CERT, "TLS_CERT");
  const key = read(env.TLS_KEY, "TLS_KEY");
  try {
    new crypto.X509Certificate(cert);
  } catch {
    throw new ConsoleTlsError(`TLS_CERT: ${env.TLS_CERT} is not a PEM certificate`);
  }
  try {
    crypto.createPrivateKey(key);
  } catch {
    throw new ConsoleTlsError(`TLS_KEY: ${env.TLS_KEY} is not a PEM private key`);
  }
  return { cert, key };
}

/**
 * The console's HTTP server: HTTPS (TLS 1.2 and later) when a TLS identity is given, else
 * plain HTTP. Idle keep-alive sockets live 65 s, longer than common proxies' own idle
 * timeouts (60 s), so the client side always closes first (Node's 5 s default made clients
 * that reuse a socket just as it closes get ECONNRESET).
 */
export function createConsoleServer(handler: http.RequestListener, tlsIdentity: { cert: string; key: string } | null): http.Server {
  const server = tlsIdentity ? https.createServer({ cert: tlsIdentity.cert, key: tlsIdentity.key, minVersion: "TLSv1.2" }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
