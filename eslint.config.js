import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Boundaries the design card asks for, kept by the linter:
// - app/ calls lib/; it never imports the Prisma client, lib/db or a database driver (pg,
//   PGlite), neither statically nor through import();
// - components/ never import a server module (lib/db, the ledger store, the composition root,
//   lib/mqtt, lib/ingest, drivers, node: builtins; SERVER_DIRS) but for types;
//   lib/ (but lib/server, tests and testing/) does not import lib/server, the composition root;
// - lib/ never imports next/* or React (it is framework- and UI-free); lib/ledger imports
//   nothing of ours.
const PRISMA = { group: ["**/generated/prisma", "**/generated/prisma/**", "@prisma/client", "@prisma/client/**"], message: "app/ and components/ call lib/; they never use the Prisma client." };
const DB_LAYER = { group: ["**/lib/db", "**/lib/db/**", "@/lib/db", "@/lib/db/**"], message: "app/ and components/ call use cases in lib/, not the database layer." };
// Bare package names go in `paths` (a gitignore-style pattern "pg" would match any folder named pg).
const DRIVER_MESSAGE = "app/ and components/ never open the database: no pg or PGlite.";
const DRIVERS = { group: ["@electric-sql/*", "pg/*"], message: DRIVER_MESSAGE };
const DRIVER_PATHS = ["pg", "pg-copy-streams", "pg-cursor"].map((name) => ({ name, message: DRIVER_MESSAGE }));
// Server-only folders of lib/.
const SERVER_DIRS = ["ledger-store", "server", "events", "cluster", "ops", "mqtt", "ingest"];
const SERVER_FILES = ["config", "secrets"];
const SERVER_MODULES = {
  group: [...SERVER_DIRS.flatMap((d) => [`**/lib/${d}`, `**/lib/${d}/**`, `@/lib/${d}`, `@/lib/${d}/**`]), ...SERVER_FILES.flatMap((f) => [`**/lib/${f}`, `@/lib/${f}`])],
  message: "components/ run in the browser: no server module (import types with `import type`).",
};
const NODE_MESSAGE = "components/ run in the browser: no Node built-ins or server packages.";
const NODE_BUILTINS = { group: ["node:*"], message: NODE_MESSAGE };
const SERVER_PACKAGE_PATHS = ["fs", "fs/promises", "path", "os", "crypto", "child_process", "worker_threads", "net", "http", "https", "stream", "zlib", "sodium-native", "mqtt", "aedes"].map((name) => ({ name, message: NODE_MESSAGE }));
const REACT = ["react", "react/*", "react-dom", "react-dom/*", "@tanstack/react-query", "@tanstack/react-query/*"];
const LIB_PATTERNS = [
  { group: ["next", "next/*"], message: "lib/ stays framework-free: no next/* imports." },
  { group: REACT, message: "lib/ has no UI: React belongs in components/." },
];
const LIB_ROOT_USERS = ["lib/server/**", "lib/**/*.test.ts", "lib/**/testing/**"];
// Module paths import() may not name (no-restricted-imports does not see import()).
const APP_FORBIDDEN = ["(^|/)lib/db(/|$)", "(^|/)generated/prisma(/|$)", "^@prisma/client", "^pg(/|$)", "^pg-", "^@electric-sql/"];
const SERVER_FORBIDDEN = [`(^|/)lib/(${SERVER_DIRS.join("|")})(/|$)`, `(^|/)lib/(${SERVER_FILES.join("|")})$`, "^node:", "^(fs|path|os|crypto|child_process|worker_threads|net|http|https|stream|zlib|sodium-native|mqtt|aedes)(/|$)"];
const dynamicImportsOf = (patterns, message) => [
  ...patterns.map((p) => ({ selector: `ImportExpression[source.value=/${p.replaceAll("/", "\\/")}/]`, message })),
  // A computed path would hide what is imported.
  { selector: "ImportExpression[source.type!='Literal']", message: "import() takes a literal path here, so that the boundaries above can be checked." },
];

export default tseslint.config(
  {
    ignores: [".next/**", "node_modules/**", "lib/db/generated/**", "data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-undef": "off",
    },
  },
  // app/: routes and pages call one use case in lib/; never the database layer or a driver,
  // statically or through import().
  {
    files: ["app/**"],
    rules: {
      "no-restricted-imports": ["error", { paths: DRIVER_PATHS, patterns: [PRISMA, DB_LAYER, DRIVERS] }],
      "no-restricted-syntax": ["error", ...dynamicImportsOf(APP_FORBIDDEN, "app/ calls use cases in lib/, not the database layer or a driver (not through import() either)")],
    },
  },
  // components/: runs in the browser (or renders on the server without its state); no server
  // module, whatever the import. Types may come from anywhere (they are erased).
  {
    files: ["components/**"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": ["error", { paths: [...DRIVER_PATHS, ...SERVER_PACKAGE_PATHS], patterns: [PRISMA, DB_LAYER, DRIVERS, { ...SERVER_MODULES, allowTypeImports: true }, NODE_BUILTINS] }],
      "no-restricted-syntax": ["error", ...dynamicImportsOf([...APP_FORBIDDEN, ...SERVER_FORBIDDEN], "components/ run in the browser: no server module (not through import() either)")],
    },
  },
  // lib/: framework-free and UI-free; nothing in it imports the composition root (lib/server),
  // which imports everything (its own files, tests and test fixtures may).
  {
    files: ["lib/**"],
    ignores: LIB_ROOT_USERS,
    rules: {
      "no-restricted-imports": ["error", { patterns: [...LIB_PATTERNS, { group: ["../server", "../server/*", "../../server", "../../server/*", "@/lib/server", "@/lib/server/*"], message: "lib/server is the composition root: nothing in lib/ imports it (it wires them)." }] }],
    },
  },
  // The intake is below the map: a commit hands its readings to the hook the root wires (lib/server/start.ts).
  {
    files: ["lib/ingest/**"],
    ignores: LIB_ROOT_USERS,
    rules: {
      "no-restricted-imports": ["error", { patterns: [...LIB_PATTERNS, { group: ["../server", "../server/*", "../map", "../map/*", "@/lib/server", "@/lib/server/*", "@/lib/map", "@/lib/map/*"], message: "lib/ingest is below lib/map and lib/server: it exposes a commit hook instead of importing them." }] }],
    },
  },
  {
    files: LIB_ROOT_USERS,
    rules: {
      "no-restricted-imports": ["error", { patterns: LIB_PATTERNS }],
    },
  },
  {
    files: ["lib/ledger/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["next", "next/*", ...REACT, "@prisma/*", "pg", "@electric-sql/*"], message: "lib/ledger is pure: no framework or database." },
            { group: ["../*", "@/*"], message: "lib/ledger depends on nothing else in the project." },
          ],
        },
      ],
    },
  },
);
