// The browser-safe API of the ledger core. Node-only fast paths live in
// ./node-crypto (import that file directly, on the server only).
export * from "./errors";
export * from "./encoding";
export * from "./bits";
export * from "./sha256";
export * from "./merkle";
export * from "./proof";
export * from "./verify";
export * from "./compact-range";
export * from "./tile-path";
export * from "./tiles";
export * from "./entry-bundle";
export * from "./canonical-json";
export * from "./entries";
export * from "./entry-kinds";
export * from "./commitment";
export * from "./ed25519";
export * from "./note";
export * from "./checkpoint";
export * from "./cosignature";
export * from "./witness";
export * from "./proof-bundle";
