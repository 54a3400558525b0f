import type { Client } from "aedes";

/**
 * Issue 18: the embedded broker's own path for the messages devices send most, a QoS 1
 * PUBLISH of a reading, beside aedes' (1.2) general one.
 *
 * aedes reads a connection's input in its `readable` handler and hands each read to the
 * client's mqtt-packet parser (`client._parser.parse`), which makes per message a packet
 * object, three views of its buffer list, the topic string and the payload view, and emits
 * it to aedes' handler chain: the topic checks, `authorizePublish`, then after its callback a
 * PubAck object, three socket writes and a `setImmediate` before the connection is read
 * again. Here the parser's `parse` is wrapped: each read is cut into whole frames (a frame cut
 * by the end of a read waits for the rest); a QoS 1 PUBLISH without retain, on a topic this
 * client may use for readings (asked once per client and topic: `LeanOptions.route`), is
 * taken here (`LeanOptions.take`); every other frame goes whole to aedes' parser, in order, so
 * it is handled, checked and refused exactly as before. A taken message is answered with
 * `LeanConn.settle` once the intake stored it; the PUBACKs settled in one turn are written to
 * a connection as one buffer of 4-byte packets, in the order they were settled.
 *
 * aedes' read pacing is kept: each taken message counts in the client's `_parsingBatch` as a
 * message in aedes' handlers does, and the connection is read again (`_nextBatch`) once its
 * PUBACK is written, or once the socket drained when the write had to wait. A message that
 * could not be stored gets no PUBACK: the client is disconnected (aedes' `_nextBatch(error)`)
 * and resends on reconnect.
 */

/** The parts of aedes' (1.2) Client the lean path reads and drives. */
type AedesClient = Client & {
  _parser: { parse(buf: Buffer): number; _queue: unknown[] | null };
  _parsingBatch: number;
  _nextBatch(err?: Error | null): void;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): void } | null;
  connackSent: boolean;
  connected: boolean;
  closed: boolean;
  waitForDrain(cb: (err: Error | null) => void): void;
  conn: { write(b: Uint8Array): boolean; destroyed?: boolean };
  broker: { maxTopicLevels?: number };
};

export type LeanOptions<R> = {
  /**
   * What this client's QoS 1 messages on `topic` go to when they may take the lean path (a
   * topic the client may publish readings to), else null: they go through aedes' handlers
   * (and are refused there when the topic is not allowed). Asked once per client and topic.
   */
  route(client: Client, topic: string): R | null;
  /** One message taken: it must be answered later with `conn.settle(messageId, error?)`. */
  take(conn: LeanConn<R>, route: R, payload: Uint8Array, messageId: number): void;
  /** A taken message could not be stored: its client is disconnected without a PUBACK. */
  failed?(client: Client, e: Error): void;
};

/** The frame's header is cut by the end of a read. */
const MORE = -1;
/** A remaining length longer than MQTT's four bytes: aedes' parser reports it and the connection closes. */
const MALFORMED = -2;

/** The lean path of one broker: PUBACKs settled in one turn leave together, one write per connection. */
export class LeanPublish<R> {
  private dirty: LeanConn<R>[] = [];
  constructor(readonly opts: LeanOptions<R>) {}

  /** Takes over the parsing of a client's input (from its first byte: call it with the client aedes' handle made). */
  attach(client: Client): LeanConn<R> | null {
    const c = client as AedesClient;
    // Another aedes than the one this was written for: its own path for everything.
    if (typeof c._parser?.parse !== "function" || typeof c._nextBatch !== "function" || typeof c._parsingBatch !== "number" || typeof c.waitForDrain !== "function") return null;
    return new LeanConn(this, c);
  }

  /** @internal A connection has PUBACKs to write at the end of this turn. */
  queue(c: LeanConn<R>): void {
    if (this.dirty.length === 0) process.nextTick(this.flush);
    this.dirty.push(c);
  }

  private readonly flush = () => {
    const d = this.dirty;
    this.dirty = [];
    for (const c of d) c.flush();
  };
}

/** One client's lean path: its input cut into frames, its topics' routes, its PUBACKs waiting to be written. */
export class LeanConn<R> {
  private readonly parseAedes: (buf: Buffer) => number;
  /** The topics this client published to, as bytes, and their routes (null: aedes' path). */
  private topics: { bytes: Uint8Array; route: R | null }[] = [];
  /** A frame cut by the end of a read: its pieces so far, their length and the frame's (0 while its header is incomplete). */
  private cut: Buffer[] = [];
  private cutBytes = 0;
  private cutNeed = 0;
  /** A malformed frame was seen: aedes' parser has the rest (and closes the connection). */
  private off = false;
  /** Message ids stored and not yet acknowledged, in the order they were settled. */
  private acks: number[] = [];
  /** Where the last frame's body starts (set by frameEnd). */
  private body = 0;

  constructor(
    private readonly path: LeanPublish<R>,
    readonly client: AedesClient,
  ) {
    const parser = client._parser;
    this.parseAedes = parser.parse.bind(parser);
    parser.parse = (buf: Buffer) => this.parse(buf);
  }

  /** Answers a taken message: its PUBACK at the end of this turn, or (error) the client is disconnected without one. */
  settle(messageId: number, e?: Error | null): void {
    const c = this.client;
    if (c.closed) return;
    if (e) {
      this.path.opts.failed?.(c, e);
      c._nextBatch(e); // aedes emits the error: the connection is destroyed
      return;
    }
    if (this.acks.length === 0) this.path.queue(this);
    this.acks.push(messageId);
  }

  /** @internal Writes the PUBACKs settled in this turn as one buffer, then lets aedes read the connection again. */
  flush(): void {
    const ids = this.acks;
    this.acks = [];
    const c = this.client;
    const n = ids.length;
    if (n === 0 || c.closed || !c.connected || c.conn.destroyed) return;
    const out = Buffer.allocUnsafe(4 * n);
    for (let k = 0, o = 0; k < n; k++, o += 4) {
      out[o] = 0x40; // PUBACK
      out[o + 1] = 2;
      out[o + 2] = ids[k] >> 8;
      out[o + 3] = ids[k] & 0xff;
    }
    // Each acknowledged message leaves aedes' count of messages in hand, as its handlers' `done` would.
    const resume = () => {
      c._parsingBatch -= n - 1;
      c._nextBatch();
    };
    if (c.conn.write(out)) resume();
    else c.waitForDrain((err) => (err ? c._nextBatch(err) : resume()));
  }

  /**
   * The end of the frame at `pos` (its fixed header: type and flags, then 1–4 bytes of
   * remaining length, 7 bits each), MORE or MALFORMED; the body's start in `this.body`.
   */
  private frameEnd(data: Uint8Array, pos: number): number {
    let len = 0;
    let mul = 1;
    for (let i = pos + 1; i < data.length; i++) {
      const b = data[i];
      len += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.body = i + 1;
        return i + 1 + len;
      }
      if (i - pos >= 4) return MALFORMED;
      mul *= 128;
    }
    return MORE;
  }

  private parse(buf: Buffer): number {
    if (this.off) return this.parseAedes(buf);
    let from = 0;
    if (this.cut.length) {
      // Only the frame the last read cut is joined, with the bytes of this read it lacks.
      if (this.cutNeed === 0) {
        // Its header was cut too: four more bytes at most complete it.
        const end = this.frameEnd(Buffer.concat([...this.cut, buf.subarray(0, 4)]), 0);
        if (end === MALFORMED) {
          this.off = true;
          return this.parseAedes(Buffer.concat([...this.cut.splice(0), buf]));
        }
        if (end !== MORE) this.cutNeed = end;
      }
      const lacking = this.cutNeed - this.cutBytes;
      if (this.cutNeed === 0 || buf.length < lacking) {
        this.cut.push(buf);
        this.cutBytes += buf.length;
        return 0; // a large frame is joined once, when whole
      }
      this.cut.push(buf.subarray(0, lacking));
      const frame = Buffer.concat(this.cut, this.cutNeed);
      this.cut = [];
      this.cutBytes = 0;
      this.cutNeed = 0;
      if (!this.frames(frame, 0)) return 0;
      from = lacking;
    }
    this.frames(buf, from);
    return 0;
  }

  /** Takes or hands to aedes each whole frame of `data` from `pos`, and keeps a cut one; false once the client closed. */
  private frames(data: Buffer, pos: number): boolean {
    const c = this.client;
    let lean = c.connackSent && c.connected && c._parser._queue === null;
    let taken = 0;
    while (pos < data.length) {
      const end = this.frameEnd(data, pos);
      if (end === MALFORMED) {
        this.off = true;
        this.parseAedes(data.subarray(pos));
        break;
      }
      if (end === MORE || end > data.length) {
        this.cut.push(data.subarray(pos));
        this.cutBytes = data.length - pos;
        this.cutNeed = end === MORE ? 0 : end - pos;
        break;
      }
      const h = data[pos];
      // PUBLISH, QoS 1, no retain (0x32; 0x3a with DUP)
      if (lean && (h === 0x32 || h === 0x3a) && this.take(data, this.body, end)) taken++;
      else {
        this.parseAedes(data.subarray(pos, end));
        if (c.closed) return false;
        lean = c.connackSent && c.connected && c._parser._queue === null;
      }
      pos = end;
    }
    if (taken && c._keepaliveInterval > 0) c._keepaliveTimer?.refresh();
    return true;
  }

  /** Takes a QoS 1 PUBLISH (variable header: topic, message id; then the payload) when its topic's route allows. */
  private take(data: Buffer, body: number, end: number): boolean {
    if (body + 2 > end) return false;
    const ts = body + 2;
    const te = ts + ((data[body] << 8) | data[body + 1]);
    if (te + 2 > end) return false; // aedes' parser reports it
    const route = this.routeOf(data, ts, te);
    if (route === null) return false;
    this.client._parsingBatch++;
    this.path.opts.take(this, route, new Uint8Array(data.buffer, data.byteOffset + te + 2, end - te - 2), (data[te] << 8) | data[te + 1]);
    return true;
  }

  private routeOf(data: Buffer, ts: number, te: number): R | null {
    const len = te - ts;
    next: for (const t of this.topics) {
      const b = t.bytes;
      if (b.length !== len) continue;
      for (let i = len - 1; i >= 0; i--) if (b[i] !== data[ts + i]) continue next;
      return t.route;
    }
    const topic = data.toString("utf8", ts, te);
    // aedes' own checks of a PUBLISH topic (lib/handlers/publish.js): a topic that fails them goes there and is refused.
    let levels = 1;
    for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) levels++;
    const usable = topic.length > 0 && !topic.includes("#") && !topic.includes("+") && levels <= (this.client.broker.maxTopicLevels ?? 100);
    const route = usable ? this.path.opts.route(this.client, topic) : null;
    if (this.topics.length >= 16) this.topics = []; // a client that wanders over topics keeps only its latest few
    this.topics.push({ bytes: new Uint8Array(data.subarray(ts, te)), route });
    return route;
  }
}
