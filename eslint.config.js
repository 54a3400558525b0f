import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Boundaries the design card asks for, kept by the linter:
// - app/ calls lib/; it never imports the Prisma client or lib/db directly;
// - lib/ never imports next/* (it is framework-free); lib/ledger imports nothing of ours.
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
  {
    files: ["app/**", "components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/generated/prisma", "**/generated/prisma/**", "@prisma/client", "@prisma/client/**"], message: "app/ and components/ call lib/; they never use the Prisma client." },
            { group: ["**/lib/db", "**/lib/db/**", "@/lib/db", "@/lib/db/**"], message: "app/ and components/ call use cases in lib/, not the database layer." },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["next", "next/*"], message: "lib/ stays framework-free: no next/* imports." }] },
      ],
    },
  },
  {
    files: ["lib/ledger/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["next", "next/*", "react", "react/*", "@prisma/*", "pg", "@electric-sql/*"], message: "lib/ledger is pure: no framework or database." },
            { group: ["../*", "@/*"], message: "lib/ledger depends on nothing else in the project." },
          ],
        },
      ],
    },
  },
);
