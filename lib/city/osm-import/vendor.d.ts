declare module "unbzip2-stream" {
  import type { Duplex } from "node:stream";
  /** A stream that decompresses bzip2. */
  export default function bz2(): Duplex;
}

declare module "osm-pbf-parser-node/proto/osmformat.js" {
  import type Pbf from "pbf";
  type Msg = { write(obj: unknown, pbf: Pbf): void };
  export const HeaderBlock: Msg;
  export const PrimitiveBlock: Msg;
}

declare module "osm-pbf-parser-node/proto/fileformat.js" {
  import type Pbf from "pbf";
  type Msg = { write(obj: unknown, pbf: Pbf): void };
  export const Blob: Msg;
  export const BlobHeader: Msg;
}
