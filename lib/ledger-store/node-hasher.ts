import crypto from "node:crypto";
import type { Hasher } from "../ledger/sha256";

/** SHA-256 through node:crypto's one-shot hash: the server's fast path (the browser uses lib/ledger/sha256). */
export const nodeSha256: Hasher = (data) => crypto.hash("sha256", data, "buffer");
