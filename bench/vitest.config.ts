import { cpus, platform, release, totalmem } from "node:os";
import { resolve } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { benchWranglerConfig } from "./bench-config.ts";
import { BenchReporter } from "./reporter.ts";

const root = resolve(import.meta.dirname, "..");

// Every ratio below is from this machine in this run: say which machine that was (once; the
// config is loaded again by vitest's workers, which inherit the environment).
if (!process.env.DORMANT_BENCH_MACHINE) {
  const cpu = cpus();
  process.env.DORMANT_BENCH_MACHINE = `${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}`;
  console.log(`bench machine: ${process.env.DORMANT_BENCH_MACHINE}`);
}
const machine = process.env.DORMANT_BENCH_MACHINE;

// Benchmarks are never part of `npm test`: they print numbers instead of asserting on time.
// Server benchmarks run inside workerd against real Durable Object SQLite, like the tests; device
// benchmarks drive real Chromium from Node.
export default defineConfig({
  test: {
    root,
    // One table per runtime at the end, kept for decisions and the Runtime Decision Record.
    reporters: [new BenchReporter(machine, resolve(root, "bench/results/latest.json"))],
    silent: false,
    // One benchmark file at a time: the workerd and browser benches would otherwise share 2 cores.
    fileParallelism: false,
    projects: [
      {
        // The project's config with the bench Worker as main and the baseline objects bound.
        plugins: [cloudflareTest({ wrangler: { configPath: benchWranglerConfig(root) } })],
        test: {
          name: "workerd",
          root,
          include: [
            "bench/journal.bench.ts",
            "bench/triggers.bench.ts",
            "bench/server.bench.ts",
            "bench/conversation.bench.ts",
            "bench/append-parts.bench.ts",
          ],
          testTimeout: 600_000,
        },
      },
      {
        test: {
          name: "device",
          root,
          include: ["bench/device.bench.ts", "bench/startup.bench.ts"],
          testTimeout: 900_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: { name: "hosted", root, include: ["bench/hosted.bench.ts"], testTimeout: 300_000, hookTimeout: 120_000 },
      },
    ],
  },
});
