import type { BrowserContext, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { ModelManifest } from "../../src/protocol/index.ts";
import { type DemoPage, openDemo, useDemoStack } from "./chromium.ts";
import { engineEvents, engineSettled } from "./demo-session.ts";
import type { PageGlobals } from "./page-globals.ts";

const stack = useDemoStack();

const MODEL_FILE = "/models/dormant-agent-tiny/onnx/model.onnx";
/** The WASM-only runtime, compiled straight from its cache entry (decisions/0014). */
const RUNTIME_FILE = "/ort/ort-wasm-simd-threaded.wasm";

const LAZY = "/?fresh&lazy&device=wasm&dtype=fp32";

/**
 * The demo, its model not loaded yet; with `started`, also its engine worker, as on a page that
 * finished loading before the network went away (a worker that never loaded is its own test below).
 */
async function lazyDemo(context: BrowserContext, started = true): Promise<DemoPage> {
  const demo = await openDemo(stack.browser, `${stack.server.url}${LAZY}`, context);
  await demo.page.waitForFunction(() => "dormant" in globalThis);
  if (started) await demo.page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.engine.isCached());
  return demo;
}

/**
 * engine.load() in the page: the loaded model, or the typed error it failed with. A load that has
 * not settled in 120 s fails saying what the engine last reported, instead of a bare test timeout.
 */
const load = async (page: Page) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const seen = await page
        .evaluate(() => {
          const { engine, engineEvents } = (globalThis as unknown as PageGlobals).dormant;
          return JSON.stringify({ state: engine.state, events: engineEvents.slice(-12) });
        })
        .catch((error: unknown) => String(error));
      reject(new Error(`engine.load() has not settled after 120 s; the engine last said ${seen}`));
    }, 120_000);
  });
  try {
    return await Promise.race([loadInPage(page), stalled]);
  } finally {
    clearTimeout(timer);
  }
};

const loadInPage = (page: Page) =>
  page.evaluate(async () => {
    const { engine } = (globalThis as unknown as PageGlobals).dormant;
    return engine.load().then(
      (model) => ({ ok: true as const, model: model as { coldStart: { bytesDownloaded: number; bytesFromCache: number } } }),
      (e: { code: string; message: string }) => ({ ok: false as const, code: e.code, message: e.message }),
    );
  });

/**
 * Overwrites a cached file with other bytes, as disk corruption or tampering would: 1 KiB of
 * filler, or (`flip`) the same bytes with one changed, which only the digest can tell.
 */
const tamper = (page: Page, path: string, how: "filler" | "flip" = "filler") =>
  page.evaluate(
    async ({ path, how }) => {
      const cache = await (globalThis as unknown as PageGlobals).caches.open("dormant-artifacts");
      const key = (await cache.keys()).find((request) => new URL(request.url).pathname === path);
      if (!key) throw new Error(`${path} is not cached`);
      const entry = (await cache.match(key))!;
      const bytes = how === "flip" ? new Uint8Array(await entry.arrayBuffer()) : new Uint8Array(1024).fill(7);
      if (how === "flip") bytes[bytes.length >> 1]! ^= 0xff;
      await cache.put(key, new Response(bytes, { headers: entry.headers }));
    },
    { path, how },
  );

const cachedPaths = (page: Page) =>
  page.evaluate(async () =>
    (await (await (globalThis as unknown as PageGlobals).caches.open("dormant-artifacts")).keys()).map((r) => new URL(r.url).pathname),
  );

test("second load comes from the cache; a tampered file is discarded and fetched again, or refused offline", async () => {
  const context = await stack.browser.newContext();
  const first = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=fp32`, context);
  expect(await engineSettled(first.page)).toMatchObject({ status: "ready" });
  expect(first.artifactRequests()).toHaveLength(6); // four small files, the fp32 model, the WASM-only runtime
  // The size was announced before the first byte moved, and it is what then moved.
  const cacheEvents = (await engineEvents(first.page)).flatMap((e) => (e.type === "cache" ? [e.event] : []));
  expect(cacheEvents[0]).toMatchObject({ type: "plan", files: first.artifactRequests().length, bytesFromCache: 0 });
  const ready = await first.page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.engine.state);
  expect(ready.status === "ready" && ready.model.coldStart.bytesDownloaded).toBe(
    (cacheEvents[0] as { bytesToDownload: number }).bytesToDownload,
  );
  // After the complete download the page says whether the browser will keep the files, as it decided.
  await first.page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector("#persistence")?.textContent);
  const persisted = await first.page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.storage.persisted());
  expect(await first.page.textContent("#persistence")).toMatch(persisted ? /^Kept: / : /^May be evicted: /);
  await first.page.close();

  // Reload: every byte from Cache Storage, verified, and none over the network.
  const second = await lazyDemo(context);
  const warm = await load(second.page);
  expect(warm).toMatchObject({ ok: true, model: { coldStart: { bytesDownloaded: 0 } } });
  // The fp32 model, the small files beside it (config, tokenizer) and the WASM-only runtime.
  expect(warm.ok && warm.model.coldStart.bytesFromCache).toBe((await manifestBytes("fp32")) + (await fileBytes(RUNTIME_FILE)));
  expect(second.artifactRequests()).toEqual([]);
  // ORT compiled the runtime from its cache entry by streaming (what lets Chromium keep the compiled
  // code); a wrong MIME type or a bare buffer would have made it fall back, and say so.
  expect(second.consoleLog.filter((line) => /streaming compile failed|falling back/.test(line))).toEqual([]);
  // The page says so, instead of "not loaded".
  expect(await second.page.textContent("#download-status")).toMatch(
    /^loaded from this browser's cache \(\d+\.\d MiB\), nothing downloaded$/,
  );
  expect(await second.page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.engine.isCached())).toBe(true);

  // Tampered (the runtime by one byte): detected by its sha256, discarded, and only those files
  // fetched again; the runtime compiled is the fresh entry, never the changed one.
  await tamper(second.page, MODEL_FILE);
  await tamper(second.page, RUNTIME_FILE, "flip");
  await second.page.close();
  const third = await lazyDemo(context);
  const refetched = (await fileBytes(MODEL_FILE)) + (await fileBytes(RUNTIME_FILE));
  expect(await load(third.page)).toMatchObject({ ok: true, model: { coldStart: { bytesDownloaded: refetched } } });
  expect(third.artifactRequests()).toEqual([RUNTIME_FILE, MODEL_FILE]);
  const repaired = (await engineEvents(third.page)).flatMap((e) => (e.type === "cache" && e.event.type === "repaired" ? [e.event] : []));
  expect(repaired).toEqual([
    { type: "repaired", url: `${stack.server.url}${RUNTIME_FILE}`, reason: "corrupt" },
    { type: "repaired", url: `${stack.server.url}${MODEL_FILE}`, reason: "corrupt" },
  ]);

  // Offline with an intact cache: the last known pins and the cached files are enough.
  const fourth = await lazyDemo(context);
  await context.setOffline(true);
  expect(await load(fourth.page)).toMatchObject({ ok: true, model: { coldStart: { bytesDownloaded: 0 } } });
  // Offline with a tampered file: refused with a clear error, and the bad entry is gone.
  await tamper(fourth.page, MODEL_FILE);
  await context.setOffline(false);
  const fifth = await lazyDemo(context);
  await context.setOffline(true);
  const refused = await load(fifth.page);
  expect(refused).toMatchObject({ ok: false, code: "offline" });
  expect(await cachedPaths(fifth.page)).not.toContain(MODEL_FILE);
  await context.setOffline(false);
  await context.close();
});

/** The bytes of the model's files a load of `dtype` uses, by the manifest. */
async function manifestBytes(dtype: "fp32" | "q8"): Promise<number> {
  const { models } = (await (await fetch(`${stack.server.url}/models/manifest.json`)).json()) as ModelManifest;
  const [model] = models;
  const others = new Set(model!.variants.filter((v) => v.dtype !== dtype).map((v) => v.file));
  return model!.files.filter((f) => !others.has(f.path)).reduce((sum, f) => sum + f.bytes, 0);
}

async function fileBytes(path: string): Promise<number> {
  return (await (await fetch(`${stack.server.url}${path}`)).arrayBuffer()).byteLength;
}

test("too little quota: a typed error before any download, and nothing cached", async () => {
  const context = await stack.browser.newContext();
  const demo = await lazyDemo(context);
  await demo.cdp.send("Storage.overrideQuotaForOrigin", { origin: stack.server.url, quotaSize: 8_000_000 });
  const result = await load(demo.page);
  expect(result).toMatchObject({ ok: false, code: "quota_exceeded" });
  expect(demo.artifactRequests()).toEqual([]);
  expect(await cachedPaths(demo.page)).toEqual([]);
  expect(await demo.page.evaluate(() => (globalThis as unknown as PageGlobals).caches.keys())).not.toContain("dormant-quota-probe");
  await context.close();
});

test("an engine worker whose script did not load: the load fails with a typed error at once, and a later load starts a new worker", async () => {
  const context = await stack.browser.newContext();
  const worker = /\/assets\/engine-worker-wasm\.js$/;
  await context.route(worker, (route) => route.abort("internetdisconnected"));
  const demo = await lazyDemo(context, false);
  expect(await load(demo.page)).toMatchObject({ ok: false, code: "model_load_failed", message: expect.stringMatching(/could not start/) });
  const failed = await demo.page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.engine.state);
  expect(failed).toMatchObject({ status: "failed", error: { code: "model_load_failed" } });
  expect(await demo.page.textContent("#device")).toBe("device failed: the on-device engine could not start");
  // The network is back: the same page loads the model, in a worker started for this load.
  await context.unroute(worker);
  expect(await load(demo.page)).toMatchObject({ ok: true });
  await context.close();
});

test("an engine bundle on the asset origin that differs from the page's pin is refused before it runs", async () => {
  const context = await stack.browser.newContext();
  const worker = /\/assets\/engine-worker-wasm\.js$/;
  // The same bundle with one statement added, as a compromised or stale asset origin would serve it.
  await context.route(worker, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: Buffer.concat([await response.body(), Buffer.from("\n;globalThis.changed = true;\n")]) });
  });
  const demo = await lazyDemo(context, false);
  expect(await load(demo.page)).toMatchObject({
    ok: false,
    code: "integrity_mismatch",
    message: expect.stringMatching(/is not the one this page was built with/),
  });
  expect(demo.page.workers()).toEqual([]);
  expect(demo.artifactRequests()).toEqual([]);
  expect(await demo.page.textContent("#device")).toBe("device failed: a downloaded file did not match its pinned digest");
  await context.close();
});
