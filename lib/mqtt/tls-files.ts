import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/** PEM text of a TLS identity: certificate (chain), private key, and the CA that signed it. */
export type TlsMaterial = { cert: string; key: string; ca: string; certFile: string; keyFile: string; caFile: string };

export class TlsSetupError extends Error {}

/** Reissue a generated server certificate this long before it expires. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

function openssl(args: string[], cwd: string): void {
  const bin = process.env.OPENSSL_BIN || "openssl";
  const r = spawnSync(bin, args, { cwd, encoding: "utf8", timeout: 30_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new TlsSetupError(
      code === "ENOENT"
        ? `the openssl command is needed to generate the MQTT TLS certificates and was not found (install openssl, e.g. apt-get install openssl, set OPENSSL_BIN, or give MQTT_TLS_CERT and MQTT_TLS_KEY)`
        : `openssl failed to run: ${r.error.message}`,
    );
  }
  if (r.status !== 0) throw new TlsSetupError(`openssl ${args[0]} failed: ${(r.stderr || r.stdout || "").trim().split("\n").slice(-2).join(" ")}`);
}

function readPem(file: string, what: string, setting: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new TlsSetupError(`${setting}: cannot read the ${what} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * Issues a certificate signed by the CA in `dir` (ca.crt, ca.key): an ECDSA P-256 key in
 * `<name>.key` (mode 0600) and its certificate in `<name>.crt`. A server certificate names
 * `hosts` (DNS names and IP addresses) as subjectAltName; a client certificate's common name
 * is `cn` (a device id, the intake's user name).
 */
export function issueCertificate(dir: string, name: string, opts: { cn: string; usage: "server" | "client"; hosts?: string[]; days?: number }): { certFile: string; keyFile: string } {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.crt`);
  const tmp = crypto.randomBytes(6).toString("hex");
  const csr = `${name}.${tmp}.csr`;
  const ext = `${name}.${tmp}.ext`;
  const san = (opts.hosts ?? []).map((h) => (net.isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
  fs.writeFileSync(
    path.join(dir, ext),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      `extendedKeyUsage=${opts.usage === "server" ? "serverAuth" : "clientAuth"}`,
      ...(san ? [`subjectAltName=${san}`] : []),
    ].join("\n") + "\n",
  );
  try {
    openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key.${tmp}`, "-out", csr, "-subj", `/CN=${opts.cn.replace(/[/\\=,+]/g, "_")}`], dir);
    openssl(["x509", "-req", "-in", csr, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", `0x${crypto.randomBytes(16).toString("hex")}`, "-days", String(opts.days ?? 825), "-sha256", "-extfile", ext, "-out", `${name}.crt.${tmp}`], dir);
    fs.chmodSync(path.join(dir, `${name}.key.${tmp}`), 0o600);
    fs.renameSync(path.join(dir, `${name}.key.${tmp}`), keyFile);
    fs.renameSync(path.join(dir, `${name}.crt.${tmp}`), certFile);
  } finally {
    for (const f of [csr, ext, `${name}.key.${tmp}`, `${name}.crt.${tmp}`]) fs.rmSync(path.join(dir, f), { force: true });
  }
  return { certFile, keyFile };
}

/** Creates a local certificate authority (ECDSA P-256, ten years) in `dir` unless one is there. */
export function ensureLocalCa(dir: string, cn = "City Brain local MQTT CA"): { caFile: string } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = path.join(dir, "ca.crt");
  if (fs.existsSync(caFile) && fs.existsSync(path.join(dir, "ca.key"))) return { caFile };
  const tmp = crypto.randomBytes(6).toString("hex");
  try {
    openssl(
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `ca.key.${tmp}`, "-out", `ca.crt.${tmp}`, "-days", "3650", "-sha256", "-subj", `/CN=${cn}`,
        "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
      dir,
    );
    fs.chmodSync(path.join(dir, `ca.key.${tmp}`), 0o600);
    fs.renameSync(path.join(dir, `ca.key.${tmp}`), path.join(dir, "ca.key"));
    fs.renameSync(path.join(dir, `ca.crt.${tmp}`), caFile);
  } finally {
    for (const f of [`ca.key.${tmp}`, `ca.crt.${tmp}`]) fs.rmSync(path.join(dir, f), { force: true });
  }
  return { caFile };
}

/** True when the certificate in `file` is valid for a while longer and names every host. */
function serverCertCovers(file: string, hosts: string[]): boolean {
  try {
    const c = new crypto.X509Certificate(fs.readFileSync(file));
    if (Date.parse(c.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    return hosts.every((h) => (net.isIP(h) ? c.checkIP(h) !== undefined : c.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}

/**
 * The broker's TLS identity generated on first start into `dir` (DATA_DIR/secrets/mqtt-tls):
 * a local CA (ca.crt, ca.key) and a server certificate (server.crt, server.key) for `hosts`
 * (always localhost, 127.0.0.1 and ::1 besides). The server certificate is issued again
 * when a host is added or it nears its expiry; the CA stays, so devices keep trusting it.
 */
export function ensureLocalServerTls(dir: string, hosts: string[]): TlsMaterial {
  const all = [...new Set(["localhost", "127.0.0.1", "::1", ...hosts.filter((h) => h && h !== "0.0.0.0" && h !== "::")])];
  const { caFile } = ensureLocalCa(dir);
  const certFile = path.join(dir, "server.crt");
  const keyFile = path.join(dir, "server.key");
  if (!fs.existsSync(keyFile) || !serverCertCovers(certFile, all)) issueCertificate(dir, "server", { cn: "city-brain-mqtt", usage: "server", hosts: all });
  return { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8"), ca: fs.readFileSync(caFile, "utf8"), certFile, keyFile, caFile };
}

/** TLS files given by settings (certificate, key, and the CA devices trust); every one must be readable PEM. */
export function loadTlsFiles(files: { cert: string; key: string; ca?: string }, names = { cert: "MQTT_TLS_CERT", key: "MQTT_TLS_KEY", ca: "MQTT_TLS_CA" }): TlsMaterial {
  const cert = readPem(files.cert, "certificate", names.cert);
  const key = readPem(files.key, "private key", names.key);
  const ca = files.ca ? readPem(files.ca, "CA certificate", names.ca) : "";
  try {
    new crypto.X509Certificate(cert);
  } catch (e) {
    throw new TlsSetupError(`${names.cert}: ${files.cert} is not a PEM certificate (${(e as Error).message})`);
  }
  try {
    crypto.createPrivateKey(key);
  } catch (e) {
    throw new TlsSetupError(`${names.key}: ${files.key} is not a PEM private key (${(e as Error).message})`);
  }
  return { cert, key, ca, certFile: files.cert, keyFile: files.key, caFile: files.ca ?? "" };
}

/** The broker's TLS identity: the given files when MQTT_TLS_CERT and MQTT_TLS_KEY are set, else the generated local one. */
export function brokerTls(opts: { dataDir: string; hosts: string[]; cert?: string; key?: string; ca?: string }): TlsMaterial {
  if (opts.cert || opts.key) {
    if (!opts.cert || !opts.key) throw new TlsSetupError("MQTT_TLS_CERT and MQTT_TLS_KEY must be set together");
    return loadTlsFiles({ cert: opts.cert, key: opts.key, ca: opts.ca });
  }
  return ensureLocalServerTls(path.join(opts.dataDir, "secrets", "mqtt-tls"), opts.hosts);
}

/** The PEM files of the MQTT_URL mode's TLS settings (MQTT_CA, MQTT_CLIENT_CERT, MQTT_CLIENT_KEY), read with clear errors. */
export function externalTlsFiles(files: { ca?: string; cert?: string; key?: string }): { ca?: string; cert?: string; key?: string } | undefined {
  if (!files.ca && !files.cert && !files.key) return undefined;
  if (!!files.cert !== !!files.key) throw new TlsSetupError("MQTT_CLIENT_CERT and MQTT_CLIENT_KEY must be set together");
  return {
    ...(files.ca ? { ca: readPem(files.ca, "CA certificate", "MQTT_CA") } : {}),
    ...(files.cert ? { cert: readPem(files.cert, "client certificate", "MQTT_CLIENT_CERT"), key: readPem(files.key!, "client key", "MQTT_CLIENT_KEY") } : {}),
  };
}
