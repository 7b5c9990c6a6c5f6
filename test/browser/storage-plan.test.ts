import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { type DemoPage, openDemo, useDemoStack } from "./chromium.ts";
import type { PageGlobals } from "./page-globals.ts";

// Storage that never half-fails: the plan weighs model + runtime against the quota (Chromium's
// enforced quota, set over CDP: storage.estimate() does not show it) before any byte moves.
const stack = useDemoStack();
const page = (demo: DemoPage) => demo.page;

async function lazyDemo(quotaSize?: number): Promise<DemoPage> {
  const context = await stack.browser.newContext();
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&lazy&device=wasm&dtype=auto`, context);
  await demo.page.waitForFunction(() => "dormant" in globalThis);
  if (quotaSize) await demo.cdp.send("Storage.overrideQuotaForOrigin", { origin: stack.server.url, quotaSize });
  return demo;
}

const load = (p: Page) =>
  p.evaluate(() =>
    (globalThis as unknown as PageGlobals).dormant.engine.load().then(
      (model) => ({ ok: true as const, dtype: (model as { dtype: string }).dtype }),
      (e: { code: string }) => ({ ok: false as const, code: e.code }),
    ),
  );
/** What the origin stores: in all, and in Cache Storage (where model files go; IndexedDB holds small bookkeeping). */
const usage = (p: Page) =>
  p.evaluate(async () => {
    const estimate = await (globalThis as unknown as PageGlobals).navigator.storage.estimate();
    return { total: estimate.usage ?? 0, caches: estimate.usageDetails?.caches ?? 0 };
  });
const cachedFiles = (p: Page) =>
  p.evaluate(async () => (await (await (globalThis as unknown as PageGlobals).caches.open("dormant-artifacts")).keys()).length);

// q8 with the WASM-only runtime is 20.5 MB, 31 MB with the headroom and reserve quota.ts keeps.
test("a 36 MB quota gets the q8 variant on the WASM-only runtime, which answers", async () => {
  const demo = await lazyDemo(36_000_000);
  expect(await load(page(demo))).toEqual({ ok: true, dtype: "q8" });
  expect(demo.artifactRequests()).toContain("/models/dormant-agent-tiny/onnx/model_quantized.onnx");
  expect(demo.artifactRequests()).toContain("/ort/ort-wasm-simd-threaded.wasm");
  expect(demo.artifactRequests().filter((path) => path.endsWith(".onnx") && !path.includes("quantized"))).toEqual([]);
  expect(demo.artifactRequests().filter((path) => path.includes("asyncify"))).toEqual([]);
  const generated = await page(demo).evaluate(() =>
    (globalThis as unknown as PageGlobals).dormant.engine.generate([{ role: "user", content: "hello" }], { maxNewTokens: 8 }),
  );
  expect(generated.tokens).toBeGreaterThan(0);
  // The step reports ORT's wasm heap, which holds at least the q8 weights (6.2 MB).
  expect(generated.wasmHeapBytes).toBeGreaterThan(6_209_753);
  await demo.context.close();
});

test("a 10 MB quota is refused before any byte; a download failing midway leaves usage as it was", async () => {
  const tight = await lazyDemo(10_000_000);
  const before = await usage(page(tight));
  expect(await load(page(tight))).toEqual({ ok: false, code: "quota_exceeded" });
  expect(tight.artifactRequests()).toEqual([]);
  const after = await usage(page(tight));
  expect(after.caches).toBe(before.caches);
  expect(after.total - before.total).toBeLessThan(256 * 1024); // the manifests, kept for offline use
  await tight.context.close();

  // Enough room, but the network drops the model (fetched after the runtime and the small files):
  // what was written is removed.
  const broken = await lazyDemo();
  await broken.context.route("**/models/dormant-agent-tiny/onnx/*.onnx", (route) => route.abort("connectionreset"));
  const start = await usage(page(broken));
  const failed = await load(page(broken));
  expect(failed.ok).toBe(false);
  expect(broken.artifactRequests().length).toBeGreaterThan(1); // files did move before the failure
  expect(await cachedFiles(page(broken))).toBe(0);
  const end = await usage(page(broken));
  expect(end.caches).toBe(start.caches);
  expect(end.total - start.total).toBeLessThan(256 * 1024);
  await broken.context.close();
});
