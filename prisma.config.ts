import { defineConfig } from "prisma/config";
import { createMigrationAdapter } from "./lib/db/adapter";

// Offline recipe from STACK.md: JS engine plus a driver adapter, so no Rust engine download.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => createMigrationAdapter(),
});
