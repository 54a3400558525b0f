/**
 * Issue 18: the lean path for QoS 1 publishes (lean-publish.ts), on a real aedes broker, with
 * a client that writes MQTT 3.1.1 frames by hand (so reads can be cut anywhere).
 */
import net from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Aedes } from "aedes";
import { LeanConn, LeanPublish } from "./lean-publish";

/** A remaining length, 7 bits a byte. */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const str = (s: string) => {
  const b = Buffer.from(s);
  return [b.length >> 8, b.length & 0xff, ...b];
};
const frame = (first: number, body: number[] | Buffer) => Buffer.from([first, ...varint(body.length), ...body]);
const connect = (id: string) => frame(0x10, [...str("MQTT"), 4, 0x02, 0, 60, ...str(id)]);
/** PUBLISH: QoS 0 without a message id, else with one; `retain` sets the retain flag. */
const publish = (topic: string, payload: string | Buffer, o: { qos?: 0 | 1; id?: number; retain?: boolean; dup?: boolean } = {}) => {
  const qos = o.qos ?? 1;
  const head = 0x30 | (qos << 1) | (o.retain ? 1 : 0) | (o.dup ? 8 : 0);
  const id = o.id ?? 1;
  return frame(head, [...str(topic), ...(qos ? [id >> 8, id & 0xff] : []), ...Buffer.from(payload)]);
};
const PINGREQ = Buffer.from([0xc0, 0]);

type Taken = { conn: LeanConn<string>; route: string; payload: string; id: number };

describe("the lean path for QoS 1 publishes", () => {
  let broker: Aedes;
  let server: net.Server;
  let port: number;
  /** What happened, in order: lean takes and aedes' authorizePublish calls. */
  let log: string[];
  let taken: Taken[];
  let failed: string[];
  /** The server side of each connection and how many times it was written to. */
  let serverSockets: { socket: net.Socket; writes: number }[];
  let clients: net.Socket[];

  beforeEach(async () => {
    broker = await Aedes.createBroker();
    log = [];
    taken = [];
    failed = [];
    serverSockets = [];
    clients = [];
    broker.authorizePublish = (_client, packet, cb) => {
      log.push(`aedes ${packet.topic} qos${packet.qos}${packet.retain ? " retain" : ""} ${packet.payload.toString()}`);
      cb(null);
    };
    broker.publish = ((_p: unknown, client: unknown, done?: (e?: Error | null) => void) => {
      const cb = typeof client === "function" ? (client as (e?: Error | null) => void) : done;
      cb?.(null);
    }) as typeof broker.publish;
    const lean = new LeanPublish<string>({
      route: (_client, topic) => (topic.startsWith("lean/") ? `route of ${topic}` : null),
      take: (conn, route, payload, id) => {
        const p = Buffer.from(payload).toString();
        log.push(`lean ${p}`);
        taken.push({ conn, route, payload: p, id });
      },
      failed: (client, e) => failed.push(`${client.id}: ${e.message}`),
    });
    server = net.createServer((s) => {
      const rec = { socket: s, writes: 0 };
      const write = s.write.bind(s) as (...a: unknown[]) => boolean;
      s.write = ((...a: unknown[]) => {
        rec.writes++;
        return write(...a);
      }) as typeof s.write;
      serverSockets.push(rec);
      expect(lean.attach(broker.handle(s))).not.toBeNull();
    });
    port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port)));
  });
  afterEach(async () => {
    for (const c of clients) c.destroy();
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** A connected client: its bytes received so far, and whether its connection closed. */
  async function client(id: string) {
    const socket = net.connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    clients.push(socket);
    const st = { socket, got: Buffer.alloc(0), closed: false };
    socket.on("data", (d) => (st.got = Buffer.concat([st.got, d])));
    socket.on("close", () => (st.closed = true));
    socket.on("error", () => {});
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.write(connect(id));
    await until(() => st.got.length >= 4);
    expect([...st.got.subarray(0, 4)]).toEqual([0x20, 2, 0, 0]); // CONNACK, accepted
    st.got = st.got.subarray(4);
    return st;
  }
  /** The PUBACKs' message ids in what a client received (everything it received must be PUBACKs). */
  const pubacks = (got: Buffer) => {
    const ids: number[] = [];
    for (let i = 0; i < got.length; i += 4) {
      expect([got[i], got[i + 1]]).toEqual([0x40, 2]);
      ids.push(got.readUInt16BE(i + 2));
    }
    return ids;
  };

  it("takes QoS 1 publishes on a lean topic and acknowledges them only once settled, a turn's PUBACKs in one write", async () => {
    const c = await client("a");
    c.socket.write(Buffer.concat([1, 2, 3, 4, 5].map((i) => publish("lean/t", `m${i}`, { id: 100 + i }))));
    await until(() => taken.length === 5);
    expect(taken.map((t) => [t.route, t.payload, t.id])).toEqual([1, 2, 3, 4, 5].map((i) => ["route of lean/t", `m${i}`, 100 + i]));
    // aedes' handlers never saw them.
    expect(log.filter((l) => l.startsWith("aedes"))).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.got.length).toBe(0); // nothing acknowledged before it is settled
    const server = serverSockets[0];
    const writes = server.writes;
    taken[1].conn.settle(taken[1].id);
    taken[0].conn.settle(taken[0].id);
    taken[4].conn.settle(taken[4].id);
    await until(() => c.got.length === 12);
    expect(pubacks(c.got)).toEqual([102, 101, 105]); // in the order settled
    expect(server.writes - writes).toBe(1);
    taken[2].conn.settle(taken[2].id);
    taken[3].conn.settle(taken[3].id);
    await until(() => c.got.length === 20);
    expect(pubacks(c.got)).toEqual([102, 101, 105, 103, 104]);
    expect(server.writes - writes).toBe(2);
    expect(c.closed).toBe(false);
  });

  it("cuts frames at any byte of a read, large ones included", async () => {
    const c = await client("b");
    const big = Buffer.alloc(200_000, "x");
    const bytes = Buffer.concat([publish("lean/t", "first", { id: 1 }), publish("lean/t", big, { id: 2 }), publish("lean/u", "third", { id: 3, dup: true })]);
    // One byte at a time through the first frame and the big one's header, then pieces.
    for (let i = 0; i < 40; i++) {
      c.socket.write(bytes.subarray(i, i + 1));
      await new Promise((r) => setTimeout(r, 2));
    }
    for (let i = 40; i < bytes.length; i += 7000) c.socket.write(bytes.subarray(i, Math.min(bytes.length, i + 7000)));
    await until(() => taken.length === 3);
    expect(taken.map((t) => [t.route, t.payload.length, t.id])).toEqual([
      ["route of lean/t", 5, 1],
      ["route of lean/t", big.length, 2],
      ["route of lean/u", 5, 3],
    ]);
    expect(taken[1].payload).toBe(big.toString());
    for (const t of taken) t.conn.settle(t.id);
    await until(() => c.got.length === 12);
    expect(pubacks(c.got)).toEqual([1, 2, 3]);
  });

  it("takes every frame of a stream cut at random points, whatever the lengths' sizes", async () => {
    const c = await client("g");
    const sizes = [0, 1, 100, 117, 118, 119, 16_373, 16_374, 16_375, 20_000, 3, 300]; // remaining lengths around 128 and 16,384
    const frames = sizes.map((n, i) => publish("lean/t", Buffer.alloc(n, 97 + i), { id: i + 1 }));
    const bytes = Buffer.concat([...frames, PINGREQ]);
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 6 : 9000));
      c.socket.write(bytes.subarray(at, at + n));
      at += n;
      await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => taken.length === sizes.length && c.got.length === 2);
    expect([...c.got]).toEqual([0xd0, 0]); // the PINGRESP: aedes had the last frame
    expect(taken.map((t) => [t.payload.length, t.payload === String.fromCharCode(97 + t.id - 1).repeat(t.payload.length), t.id])).toEqual(sizes.map((n, i) => [n, true, i + 1]));
  });

  it("hands every other frame to aedes, in arrival order, and aedes answers them", async () => {
    const c = await client("c");
    c.socket.write(
      Buffer.concat([
        publish("lean/t", "one", { id: 1 }),
        publish("lean/t", "qos0", { qos: 0 }),
        publish("lean/t", "kept", { id: 2, retain: true }),
        publish("other/t", "elsewhere", { id: 3 }),
        PINGREQ,
        publish("lean/t", "two", { id: 4 }),
      ]),
    );
    await until(() => log.length === 5 && c.got.length === 10);
    expect(log).toEqual(["lean one", "aedes lean/t qos0 qos0", "aedes lean/t qos1 retain kept", "aedes other/t qos1 elsewhere", "lean two"]);
    // aedes acknowledged its own QoS 1 messages and the ping; the lean ones wait for their settling.
    expect([...c.got]).toEqual([0x40, 2, 0, 2, 0x40, 2, 0, 3, 0xd0, 0]);
    for (const t of taken) t.conn.settle(t.id);
    await until(() => c.got.length === 18);
    expect(pubacks(c.got.subarray(10))).toEqual([1, 4]);
    // A topic aedes refuses (a wildcard) closes the connection: the frame after it is taken by neither.
    c.socket.write(Buffer.concat([publish("lean/+", "wildcard", { id: 5 }), publish("lean/t", "three", { id: 6 })]));
    await until(() => c.closed);
    expect(taken.map((t) => t.payload)).toEqual(["one", "two"]);
    expect(log.length).toBe(5);
  });

  it("takes nothing before the CONNACK: publishes sent with the CONNECT go through aedes", async () => {
    const socket = net.connect(port, "127.0.0.1");
    clients.push(socket);
    let got = Buffer.alloc(0);
    socket.on("data", (d) => (got = Buffer.concat([got, d])));
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.write(Buffer.concat([connect("d"), publish("lean/t", "early", { id: 7 })]));
    await until(() => got.length >= 8);
    expect([...got.subarray(0, 8)]).toEqual([0x20, 2, 0, 0, 0x40, 2, 0, 7]);
    expect(log).toEqual(["aedes lean/t qos1 early"]);
    expect(taken).toEqual([]);
  });

  it("does not acknowledge a message that could not be stored: its client is disconnected", async () => {
    const c = await client("e");
    c.socket.write(Buffer.concat([publish("lean/t", "ok", { id: 1 }), publish("lean/t", "lost", { id: 2 })]));
    await until(() => taken.length === 2);
    taken[0].conn.settle(taken[0].id);
    await until(() => c.got.length === 4);
    taken[1].conn.settle(taken[1].id, new Error("commit failed"));
    await until(() => c.closed);
    expect(pubacks(c.got)).toEqual([1]);
    expect(failed).toEqual(["e: commit failed"]);
  });

  it("reads a connection again only once the messages of its last read are acknowledged", async () => {
    const c = await client("f");
    const n = 400;
    const msgs = Array.from({ length: n }, (_, i) => publish("lean/t", `reading number ${i} `.padEnd(40, "."), { id: i + 1 }));
    // Four reads of 100 messages: aedes' pacing (a message counts in hand until acknowledged) keeps the later three waiting.
    for (let k = 0; k < 4; k++) {
      c.socket.write(Buffer.concat(msgs.slice(k * 100, k * 100 + 100)));
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(taken.length).toBe(100);
    let settled = 0;
    while (taken.length < n) {
      const upTo = taken.length;
      for (; settled < upTo; settled++) taken[settled].conn.settle(taken[settled].id);
      await until(() => taken.length > upTo || taken.length === n);
    }
    for (; settled < n; settled++) taken[settled].conn.settle(taken[settled].id);
    await until(() => c.got.length === 4 * n);
    expect(pubacks(c.got)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(taken.map((t) => t.payload.trim())).toEqual(Array.from({ length: n }, (_, i) => `reading number ${i} `.padEnd(40, ".")));
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}
