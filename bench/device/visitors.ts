// Visitors for the start-up bench: each a Chromium profile on disk of its own, and what crossed the
// network while it used the page.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Request } from "playwright-core";
import { launchChromiumProfile } from "../../test/browser/chromium.ts";

/** Model and runtime bytes that crossed the network while `run` ran, from Chromium's own count. */
export async function networkBytes(context: BrowserContext, run: () => Promise<void>): Promise<number> {
  const sizes: Promise<number>[] = [];
  const listener = (request: Request) => {
    if (/\/(models\/dormant-agent-tiny|ort)\//.test(new URL(request.url()).pathname))
      sizes.push(request.sizes().then((s) => s.responseBodySize));
  };
  context.on("requestfinished", listener);
  await run();
  context.off("requestfinished", listener);
  return (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
}

/** One visitor: a profile of its own, removed after. */
export async function visitor<T>(visit: (context: BrowserContext) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "dormant-profile-"));
  const context = await launchChromiumProfile(dir);
  try {
    return await visit(context);
  } finally {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  }
}
