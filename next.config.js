/** @type {import('next').NextConfig} */
const nextConfig = {
  // StrictMode mounts effects twice in development, which makes deck.gl attach a second
  // overlay to MapLibre's WebGL context ("WebGL context already attached").
  reactStrictMode: false,
  poweredByHeader: false,
  // server.ts compresses responses itself, in larger pieces (lib/server/compress.ts).
  compress: false,
  devIndicators: false,
  // Database drivers and WASM stay as plain Node modules, loaded once per process.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pg", "@prisma/adapter-pg"],
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
