// On-device start-up in real Chromium, each visitor on its own profile kept on disk (a person's
// browser keeps its HTTP cache and compiled wasm between visits; a fresh context keeps neither):
// a first visit up to the first answer, a reload with everything cached, and the model loaded
// again after idle unload in the same page. Our engine beside transformers.js used directly on the
// same files (the raw worker), in rounds that alternate which goes first.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, test } from "vitest";
import { type ChatMessage, type ColdStart, type ModelManifest, renderPrompt } from "../src/protocol/index.ts";
import type { PageGlobals } from "../test/browser/page-globals.ts";
import { type DevServer, startDevServer } from "../test/node/dev-server.ts";
import { networkBytes, visitor } from "./device/visitors.ts";
import { type BenchRow, median, reportRows } from "./table.ts";

const ROUNDS = 3;
const MESSAGES: ChatMessage[] = [{ role: "user", content: "what's 12 times 7?" }];
const MAX_NEW_TOKENS = 24;
/** Answers after the first, as a person's chat goes on: what a browser then keeps comes from use. */
const MORE_ANSWERS = 3;
/** A conversation longer than the context: the prompt keeps its last turns that fit, KV cache near full. */
const LONG: ChatMessage[] = [
  ...Array.from({ length: 16 }, (_, i): ChatMessage[] => [
    { role: "user", content: `remember that shelf ${i + 1} holds the blue folders and the spare keys` },
    { role: "assistant", content: "Noted." },
  ]).flat(),
  { role: "user", content: "what's 12 times 7?" },
];

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer(90_000, { prebuilt: true });
});
afterAll(async () => server?.stop());

interface Visit {
  firstAnswerMs: number;
  firstBytes: number;
  warmMs: number;
}
interface EngineVisit extends Visit {
  first: ColdStart;
  /** ORT's wasm heap after answering a context-filling conversation: the rung's peak. */
  heapBytes: number;
  warm: ColdStart;
  floorMs: number;
  floorBytes: number;
  reloadMs: number;
  reload: ColdStart;
}

async function demo(context: BrowserContext, dtype: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.url}/?fresh&lazy&device=wasm&dtype=${dtype}&download=auto`);
  await page.waitForFunction(() => "dormant" in globalThis);
  // The demo repaints its status on every engine event; this measures the engine, not the page.
  await page.evaluate(() => {
    (globalThis as unknown as PageGlobals).document.body.hidden = true;
  });
  return page;
}

async function engineVisit(context: BrowserContext, dtype: string): Promise<EngineVisit> {
  const first = await demo(context, dtype);
  let firstAnswerMs = 0;
  let firstStart: ColdStart | null = null;
  let heapBytes = 0;
  const firstBytes = await networkBytes(context, async () => {
    [firstAnswerMs, firstStart, heapBytes] = await first.evaluate(
      async ({ messagesJson, longJson, max, more }: { messagesJson: string; longJson: string; max: number; more: number }) => {
        const { engine } = (globalThis as unknown as PageGlobals).dormant;
        const messages: unknown = JSON.parse(messagesJson);
        const started = performance.now();
        const loaded = (await engine.load()) as { coldStart: ColdStart };
        await engine.generate(messages, { maxNewTokens: max });
        const ms = performance.now() - started;
        for (let i = 0; i < more; i++) await engine.generate(messages, { maxNewTokens: max });
        const long = await engine.generate(JSON.parse(longJson), { maxNewTokens: 48 });
        return [ms, loaded.coldStart, long.wasmHeapBytes ?? 0] as const;
      },
      { messagesJson: JSON.stringify(MESSAGES), longJson: JSON.stringify(LONG), max: MAX_NEW_TOKENS, more: MORE_ANSWERS },
    );
  });
  await first.close();
  const page = await demo(context, dtype);
  const warm = await page.evaluate(async () => {
    const { dormant, caches } = globalThis as unknown as PageGlobals;
    let started = performance.now();
    const loaded = (await dormant.engine.load()) as { coldStart: ColdStart };
    const warmMs = performance.now() - started;
    // The floor: every cached artifact read back out of Cache Storage, as the engine's lookup does.
    const cache = await caches.open("dormant-artifacts");
    started = performance.now();
    let floorBytes = 0;
    for (const request of await cache.keys()) floorBytes += (await (await cache.match(request))!.arrayBuffer()).byteLength;
    const floorMs = performance.now() - started;
    await dormant.engine.unload();
    started = performance.now();
    const again = (await dormant.engine.load()) as { coldStart: ColdStart };
    return { warm: loaded.coldStart, warmMs, floorMs, floorBytes, reloadMs: performance.now() - started, reload: again.coldStart };
  });
  await page.close();
  return { firstAnswerMs, firstBytes, first: firstStart!, heapBytes, ...warm };
}

/** transformers.js in a worker of its own, started and answering before the clock starts. */
const rawStart = (page: Page, dtype: string, answer: boolean) =>
  page.evaluate(
    async ({ prompt, dtype, max, answer, more }) => {
      const { Worker } = globalThis as unknown as PageGlobals;
      const worker = new Worker("/assets/bench-raw-worker.js", { type: "module", name: "raw" });
      const ask = (message: Record<string, unknown>) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          worker.onmessage = (event) => {
            const reply = event.data as Record<string, unknown>;
            if (reply.error) reject(new Error(`raw transformers.js: ${String(reply.error)}`));
            else resolve(reply);
          };
          worker.postMessage({ prompt, maxNewTokens: max, device: "wasm", dtype, runs: 1, ...message });
        });
      await ask({ kind: "ping" });
      const started = performance.now();
      await ask({ kind: "start" });
      const loadMs = performance.now() - started;
      if (answer) await ask({ kind: "runs" });
      const answerMs = performance.now() - started;
      if (answer) await ask({ kind: "runs", runs: more });
      worker.terminate();
      return { loadMs, answerMs };
    },
    { prompt: renderPrompt(MESSAGES), dtype, max: MAX_NEW_TOKENS, answer, more: MORE_ANSWERS },
  );

async function rawVisit(context: BrowserContext, dtype: string): Promise<Visit> {
  const first = await demo(context, dtype);
  let firstAnswerMs = 0;
  const firstBytes = await networkBytes(context, async () => {
    firstAnswerMs = (await rawStart(first, dtype, true)).answerMs;
  });
  await first.close();
  const page = await demo(context, dtype);
  const warmMs = (await rawStart(page, dtype, false)).loadMs;
  await page.close();
  return { firstAnswerMs, firstBytes, warmMs };
}

/** A timing row: medians of both arms, and the median of the per-round ratios (rounds are paired). */
const pairedRow = (name: string, base: number[], ours: number[], target: string): BenchRow => ({
  name,
  unit: "ms",
  baseline: median(base),
  measured: median(ours),
  ratio: median(ours.map((value, i) => value / base[i]!)),
  target,
});
const MB = 1e6;

test("start-up: first visit, reload and reload after unload, engine vs raw transformers.js", async () => {
  const rows: BenchRow[] = [];
  const { models } = (await (await fetch(`${server.url}/models/manifest.json`)).json()) as ModelManifest;
  for (const dtype of ["q8", "fp32"]) {
    const engine: EngineVisit[] = [];
    const raw: Visit[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const arms = [
        async () => engine.push(await visitor((c) => engineVisit(c, dtype))),
        async () => raw.push(await visitor((c) => rawVisit(c, dtype))),
      ];
      for (const arm of round % 2 ? arms.reverse() : arms) await arm();
    }
    const col = <T>(visits: T[], pick: (v: T) => number) => visits.map(pick);
    const warmMs = col(engine, (v) => v.warmMs);
    rows.push(
      {
        name: `first visit, wasm ${dtype}: bytes before the first answer (raw transformers.js → engine)`,
        unit: "MB",
        baseline: median(col(raw, (v) => v.firstBytes)) / MB,
        measured: median(col(engine, (v) => v.firstBytes)) / MB,
        target: dtype === "q8" ? "engine ≤ 20 MB" : "report",
      },
      pairedRow(
        `first visit, wasm ${dtype}: time to the first answer (raw → engine)`,
        col(raw, (v) => v.firstAnswerMs),
        col(engine, (v) => v.firstAnswerMs),
        "report",
      ),
      pairedRow(
        `warm start, wasm ${dtype} (cache read floor → engine)`,
        col(engine, (v) => v.floorMs),
        warmMs,
        "≤ 1.5",
      ),
      pairedRow(
        `warm start, wasm ${dtype} (raw transformers.js → engine)`,
        col(raw, (v) => v.warmMs),
        warmMs,
        "report",
      ),
      {
        name: `peak memory, wasm ${dtype}: ORT's wasm heap (manifest estimate → measured)`,
        unit: "MB",
        baseline: models[0]!.variants.find((v) => v.dtype === dtype)!.estimatedPeakBytes / MB,
        measured: median(col(engine, (v) => v.heapBytes)) / MB,
        target: "0.75 – 1.25",
      },
      pairedRow(
        `reload after idle unload, wasm ${dtype} (warm start → reload)`,
        warmMs,
        col(engine, (v) => v.reloadMs),
        "≤ 0.3",
      ),
    );
    const phases = (c: ColdStart) =>
      `lookup ${c.cacheLookupMs.toFixed(0)} + verify ${c.verifyMs.toFixed(0)} + compile ${c.compileMs.toFixed(0)} + warm-up ${c.warmupMs.toFixed(0)}`;
    for (const [i, v] of engine.entries())
      console.log(
        `${dtype} round ${i}: first visit ${v.firstAnswerMs.toFixed(0)} ms = download ${v.first.downloadMs.toFixed(0)} (${(v.first.bytesDownloaded / MB).toFixed(1)} MB stored) + ${phases(v.first)} + answer (raw ${raw[i]!.firstAnswerMs.toFixed(0)} ms); warm start ${v.warmMs.toFixed(0)} ms = ${phases(v.warm)} (floor: ${(v.floorBytes / MB).toFixed(1)} MB read in ${v.floorMs.toFixed(0)} ms); reload after unload ${v.reloadMs.toFixed(0)} ms = ${phases(v.reload)}; raw warm ${raw[i]!.warmMs.toFixed(0)} ms`,
      );
  }
  reportRows("On-device start-up (headless Chromium, WASM, 1 thread, a disk profile per visitor)", "baseline", "measured", rows);
});
