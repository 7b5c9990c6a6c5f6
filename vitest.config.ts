import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { DEV_HOOK_SECRET } from "./src/triggers/hook-config.ts";

export default defineConfig({
  test: {
    // Two files at a time even on two cores: most of a file's time is spent waiting on wrangler dev,
    // Chromium or a socket, not computing (one worker ran the suite as the sum of its files).
    maxWorkers: 2,
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Two more tenants' hooks, one of them capped low, for the admission tests (over .dev.vars).
            miniflare: {
              bindings: {
                HOOKS: JSON.stringify({
                  demo: { tenant: "default", labels: ["external"] },
                  "tenant-a": { tenant: "capped-a", labels: [] },
                  "tenant-b": { tenant: "free-b", labels: [] },
                }),
                HOOK_SECRET_TENANT_A: DEV_HOOK_SECRET,
                HOOK_SECRET_TENANT_B: DEV_HOOK_SECRET,
                TENANT_LIMITS: JSON.stringify({ "*": { perMinute: 600, inFlight: 1000 }, "capped-a": { perMinute: 5, inFlight: 100 } }),
              },
            },
          }),
        ],
        test: {
          name: "workerd",
          include: ["test/workerd/**/*.test.ts"],
        },
      },
      {
        test: { name: "node", include: ["test/node/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        // The failure matrix (test/chaos/): one stack, its cells one after another.
        test: { name: "chaos", include: ["test/chaos/**/*.test.ts"], testTimeout: 180_000, hookTimeout: 120_000 },
      },
      {
        // Real Chromium (Debian's, see .ci/run); each file drives its own browser and server. Run
        // beside the other projects' files (one sequential browser phase after them made the suite
        // 647 s; overlapped it is 584 s, green, on 2 cores).
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
