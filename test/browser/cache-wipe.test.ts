import { expect, test } from "vitest";
import { openDemo, useDemoStack } from "./chromium.ts";
import { demoSession, deviceSteps, engineSettled, journal, until } from "./demo-session.ts";
import type { PageGlobals } from "./page-globals.ts";

// What browsers really do to a returning device's files (CDP Storage.clearDataForOrigin, then a
// reload), on the demo with its defaults: model bytes move only after the person chooses.
const stack = useDemoStack();

const REMOVED = /^Model files were removed by the browser — download again \(\d+\.\d MiB\) or continue hosted \(asks first\)\.$/;
const FIRST_VISIT = /^The assistant can run on this device: download \d+\.\d MiB once, or continue hosted \(asks first\)\.$/;

test("every kind of wipe ends in a visible choice, and no model byte moves before the person chooses", async () => {
  const base = `${stack.server.url}/?device=wasm&dtype=q8&download=ask`;
  const demo = await openDemo(stack.browser, `${base}&fresh`);
  const { page, cdp } = demo;
  const notice = () => page.textContent("#device-notice");
  const download = async () => {
    await page.click("#retry-device");
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.engine.state.status === "ready", null, {
      timeout: 120_000,
    });
  };

  // A first visit announces the size and waits.
  expect(await engineSettled(page)).toMatchObject({ status: "needs_download", returning: false });
  expect(await notice()).toMatch(FIRST_VISIT);
  expect(await page.textContent("#retry-device")).toMatch(/^Download \(\d+\.\d MiB\)$/);
  expect(demo.artifactRequests()).toEqual([]);
  await download();
  expect(demo.artifactRequests().length).toBeGreaterThan(0);
  const session = await demoSession(page);

  const outcomes: Record<string, unknown> = {};
  for (const storageTypes of ["cache_storage", "indexeddb", "cache_storage,indexeddb", "all"]) {
    await page.goto(base); // the demo's session lives in localStorage: the same one, unless "all" took it
    expect(await engineSettled(page)).toMatchObject({ status: "ready" });
    const moved = demo.artifactRequests().length;
    await cdp.send("Storage.clearDataForOrigin", { origin: stack.server.url, storageTypes });
    await page.reload();
    const state = await engineSettled(page);
    outcomes[storageTypes] = { status: state.status, notice: await notice(), bytesMoved: demo.artifactRequests().length - moved };
    expect(demo.artifactRequests().length, `${storageTypes}: no model byte before the person chose`).toBe(moved);
    if (storageTypes === "indexeddb") {
      // Only the records went: the files are whole (each hashed to its pin), kept and used, and the page says so.
      expect(state).toMatchObject({ status: "ready", model: { coldStart: { bytesDownloaded: 0 } } });
      expect(await notice()).toMatch(/^The browser cleared this site's records of its model files; the \d+ files still here were checked/);
      continue;
    }
    expect(state).toMatchObject({ status: "needs_download", returning: storageTypes !== "all" });
    // After "all" nothing on this device remembers it (localStorage and the demo's session went too).
    expect(await notice()).toMatch(storageTypes === "all" ? FIRST_VISIT : REMOVED);
    expect(await page.isVisible("#retry-device")).toBe(true);
    if (storageTypes === "cache_storage") {
      // A message now: the session asks before going hosted, and still no byte moves.
      await page.fill("#input", "what's 6 times 7?");
      await page.click("#composer button");
      const dialog = page.locator("dialog.dormant-consent");
      await dialog.waitFor();
      expect(await dialog.locator(".dormant-consent-reason").textContent()).toContain(
        "the browser removed the model files from this device",
      );
      expect(demo.artifactRequests().length).toBe(moved);
      // The question itself offers the device: the person picks it, the download runs, the device answers.
      await dialog.locator("button", { hasText: /^Download again \(\d+\.\d MiB\)$/ }).click();
      await dialog.waitFor({ state: "detached" });
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.engine.state.status === "ready", null, {
        timeout: 120_000,
      });
      const entries = await until(async () => {
        const all = await journal(stack.server.url, session);
        return all.some((e) => e.type === "assistant.message" && JSON.stringify(e.payload).includes("42")) ? all : undefined;
      }, "the device's answer");
      expect(deviceSteps(entries).length).toBeGreaterThan(0);
      expect(demo.artifactRequests().length).toBeGreaterThan(moved);
      continue;
    }
    await download();
  }
  console.log(JSON.stringify(outcomes, null, 1));
  await demo.context.close();
});
