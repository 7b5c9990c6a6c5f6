import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

const root = resolve(import.meta.dirname, "..");

// Benchmarks run inside workerd against real Durable Object SQLite, like the tests, but are
// never part of `npm test`: they print numbers instead of asserting on time.
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: resolve(root, "wrangler.toml") } })],
  test: {
    root,
    include: ["bench/**/*.bench.ts"],
    testTimeout: 600_000,
    reporters: ["default"],
    silent: false,
  },
});
