import type { Browser, Page } from "playwright-core";
import { launchChromium, openDemo } from "../browser/chromium.ts";
import { clientOpen, demoSession, engineSettled } from "../browser/demo-session.ts";
import type { PageGlobals } from "../browser/page-globals.ts";
import { PathRun } from "./paths.ts";
import type { Fault } from "./scenario.ts";
import type { ChaosStack } from "./stack.ts";
import { type Facts, observe, recovered } from "./verdict.ts";

// Device faults as a browser really has them (npm run chaos only): the demo page in Debian's
// Chromium runs the real model on WASM; the person clicks the page's own consent dialog.

let browser: Browser | null = null;
export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = null;
}

/** The demo's engine loaded its model (download=auto); anything else ends the cell with what it was. */
async function ready(page: Page): Promise<void> {
  const state = await engineSettled(page);
  if (state.status !== "ready") throw new Error(`the engine did not load: ${JSON.stringify(state)}`);
}

/** The person sends the run's text on the page; where the session asks, they click Allow once. */
async function pageTurn(stack: ChaosStack, page: Page): Promise<Facts> {
  await clientOpen(page, 60_000);
  const run = await PathRun.adopt(stack, await demoSession(page));
  await page.fill("#input", run.text);
  await page.click("#composer button");
  const dialog = page.locator("dialog.dormant-consent[open]");
  const answered = run.finish(240_000);
  await Promise.race([
    dialog.waitFor({ timeout: 240_000 }).then(() => dialog.locator("button", { hasText: "Allow once" }).click()),
    answered,
  ]);
  await answered;
  return observe(run);
}

function inChromium(name: string, expected: Partial<Facts>, run: (stack: ChaosStack, browser: Browser) => Promise<Facts>): Fault {
  return {
    name: `${name} (Chromium)`,
    fast: [],
    paths: ["device"],
    expected: (path) => recovered({ path }, expected),
    run: async (stack) => {
      browser ??= await launchChromium();
      return run(stack, browser);
    },
  };
}

export const BROWSER_FAULTS: Fault[] = [
  // The browser evicted everything of the origin (CDP, as Chrome does under storage pressure); the person comes back.
  inChromium("cache_evicted", { ranOn: "hosted", consentAsked: true }, async (stack, chromium) => {
    const demo = await openDemo(chromium, `${stack.url}/?fresh&device=wasm&dtype=q8`);
    await ready(demo.page);
    await demo.cdp.send("Storage.clearDataForOrigin", { origin: stack.url, storageTypes: "all" });
    await demo.page.goto(`${stack.url}/?device=wasm&dtype=q8&download=ask`);
    try {
      return await pageTurn(stack, demo.page);
    } finally {
      await demo.context.close();
    }
  }),
  // One byte of the model file changed on the way: the engine refuses it and runs nothing.
  inChromium("tampered_artifact", { ranOn: "hosted", consentAsked: true }, async (stack, chromium) => {
    const context = await chromium.newContext();
    await context.route(/\/models\/[^/]+\/onnx\/model_quantized\.onnx$/, async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[body.length >> 1] ^= 0xff;
      await route.fulfill({ response, body });
    });
    const demo = await openDemo(chromium, `${stack.url}/?fresh&device=wasm&dtype=q8`, context);
    try {
      return await pageTurn(stack, demo.page);
    } finally {
      await context.close();
    }
  }),
  // An allocation fails in the engine mid-step: it steps down its ladder and answers on the device.
  inChromium("out_of_memory", { steppedDown: true }, async (stack, chromium) => {
    const demo = await openDemo(chromium, `${stack.url}/?fresh&device=wasm&dtype=q8`);
    await ready(demo.page);
    await demo.page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.engine.injectFault("oom"));
    try {
      return await pageTurn(stack, demo.page);
    } finally {
      await demo.context.close();
    }
  }),
];
