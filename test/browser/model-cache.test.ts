import type { BrowserContext, Page } from "playwright-core";
import { expect, test } from "vitest";
import { type DemoPage, openDemo, useDemoStack } from "./chromium.ts";
import { engineEvents, engineSettled } from "./demo-session.ts";
import type { PageGlobals } from "./page-globals.ts";

const stack = useDemoStack();

const MODEL_FILE = "/models/dormant-agent-tiny/onnx/model.onnx";

async function lazyDemo(context: BrowserContext): Promise<DemoPage> {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&lazy&device=wasm&dtype=fp32`, context);
  await demo.page.waitForFunction(() => "dormant" in globalThis);
  return demo;
}

/** engine.load() in the page: the loaded model, or the typed error it failed with. */
const load = (page: Page) =>
  page.evaluate(async () => {
    const { engine } = (globalThis as unknown as PageGlobals).dormant;
    return engine.load().then(
      (model) => ({ ok: true as const, model: model as { coldStart: { bytesDownloaded: number; bytesFromCache: number } } }),
      (e: { code: string; message: string }) => ({ ok: false as const, code: e.code, message: e.message }),
    );
  });

/** Overwrites the cached model file with other bytes, as disk corruption or tampering would. */
const tamper = (page: Page, path: string) =>
  page.evaluate(async (path) => {
    const cache = await (globalThis as unknown as PageGlobals).caches.open("dormant-artifacts");
    const key = (await cache.keys()).find((request) => new URL(request.url).pathname === path);
    if (!key) throw new Error(`${path} is not cached`);
    await cache.put(key, new Response(new Uint8Array(1024).fill(7)));
  }, path);

const cachedPaths = (page: Page) =>
  page.evaluate(async () =>
    (await (await (globalThis as unknown as PageGlobals).caches.open("dormant-artifacts")).keys()).map((r) => new URL(r.url).pathname),
  );

test("second load comes from the cache; a tampered file is discarded and fetched again, or refused offline", async () => {
  const context = await stack.browser.newContext();
  const first = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=fp32`, context);
  expect(await engineSettled(first.page)).toMatchObject({ status: "ready" });
  expect(first.artifactRequests().length).toBeGreaterThanOrEqual(7);
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
  expect(warm.ok && warm.model.coldStart.bytesFromCache).toBeGreaterThan(40_000_000);
  expect(second.artifactRequests()).toEqual([]);
  // The page says so, instead of "not loaded".
  expect(await second.page.textContent("#download-status")).toMatch(
    /^loaded from this browser's cache \(\d+\.\d MiB\), nothing downloaded$/,
  );
  expect(await second.page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.engine.isCached())).toBe(true);

  // Tampered: detected by its sha256, discarded, and only that file fetched again.
  await tamper(second.page, MODEL_FILE);
  await second.page.close();
  const third = await lazyDemo(context);
  expect(await load(third.page)).toMatchObject({ ok: true, model: { coldStart: { bytesDownloaded: await fileBytes(MODEL_FILE) } } });
  expect(third.artifactRequests()).toEqual([MODEL_FILE]);
  const repaired = (await engineEvents(third.page)).flatMap((e) => (e.type === "cache" && e.event.type === "repaired" ? [e.event] : []));
  expect(repaired).toEqual([{ type: "repaired", url: `${stack.server.url}${MODEL_FILE}`, reason: "corrupt" }]);

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
