import net from "node:net";
import type { IncomingMessage } from "node:http";

/**
 * The header the console's own HTTP server sets on every request to the address of the TCP
 * peer it accepted the connection from, overwriting whatever a client sent under that name.
 * Route handlers cannot see the socket; this is how they learn who is really talking to them.
 */
export const PEER_HEADER = "x-city-brain-peer";

/** Stamps the socket's peer address on a request before Next.js sees it (server.ts). */
export function tagPeer(req: IncomingMessage): void {
  req.headers[PEER_HEADER] = normalise(req.socket.remoteAddress ?? "") || "unknown";
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) as plain IPv4; anything else unchanged. */
function normalise(addr: string): string {
  const a = addr.trim();
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return m ? m[1] : a;
}

/**
 * TRUSTED_PROXIES as a set: comma-separated addresses and CIDR ranges, IPv4 or IPv6.
 * Throws naming the first entry that is neither.
 */
export function parseTrustedProxies(spec: string | undefined): net.BlockList {
  const list = new net.BlockList();
  for (const raw of (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [addr, bits, extra] = raw.split("/");
    const type = net.isIPv4(addr) ? "ipv4" : net.isIPv6(addr) ? "ipv6" : null;
    const prefix = bits === undefined ? null : Number(bits);
    if (!type || extra !== undefined || (prefix !== null && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= (type === "ipv4" ? 32 : 128)) ) || bits === "") {
      throw new Error(`"${raw}" is not an IP address or CIDR range`);
    }
    if (prefix === null) list.addAddress(addr, type);
    else list.addSubnet(addr, prefix, type);
  }
  return list;
}

function trusted(list: net.BlockList, addr: string): boolean {
  const type = net.isIPv4(addr) ? "ipv4" : net.isIPv6(addr) ? "ipv6" : null;
  return type !== null && list.check(addr, type);
}

/**
 * The client's address. The direct peer (PEER_HEADER), unless the peer is a trusted proxy:
 * then X-Forwarded-For is read from the right, skipping trusted proxies, and the first
 * address that is not one is the client (a client can prepend anything to the header, but
 * only what the proxies appended can be believed). "unknown" when the server stamped no peer.
 */
export function clientAddress(req: Request, trustedProxies: net.BlockList): string {
  const peer = normalise(req.headers.get(PEER_HEADER) ?? "") || "unknown";
  if (!trusted(trustedProxies, peer)) return peer;
  const hops = (req.headers.get("x-forwarded-for") ?? "").split(",").map((s) => normalise(s)).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!net.isIP(hops[i])) return peer; // a garbled hop: believe nothing beyond it
    if (!trusted(trustedProxies, hops[i])) return hops[i];
  }
  return hops[0] ?? peer;
}
