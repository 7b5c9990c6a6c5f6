import type { Page } from "playwright-core";
import type { JournalEntry, JournalPage, ModelManifest, SessionCreated, StepRuntime } from "../../src/protocol/index.ts";
import type { EngineState } from "../../web/engine/messages.ts";
import type { PageGlobals } from "./page-globals.ts";

/** Waits until the demo's engine settles (ready, unavailable, failed, or waiting for the person to download) and returns that state. */
export async function engineSettled(page: Page, timeout = 240_000): Promise<EngineState> {
  await page.waitForFunction(
    () => {
      const status = (globalThis as unknown as PageGlobals).dormant?.engine.state.status;
      return status === "ready" || status === "unavailable" || status === "failed" || status === "needs_download";
    },
    null,
    { timeout },
  );
  return page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.engine.state);
}

/** Polls `probe` until it returns a value (not undefined); throws after `timeoutMs` saying what it waited for. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until the demo's client has its socket to the session open (the page has created or resumed its session). */
export const clientOpen = (page: Page, timeout = 30_000) =>
  page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant?.client.status === "open", null, { timeout });

export const engineEvents = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.engineEvents);
export const demoSession = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.session);

const turnEnded = (e: JournalEntry) => e.type === "assistant.message" || e.type === "turn.failed";

/** Types a message into the demo and waits for the turn to end (or `ends`) in the journal. */
export async function chatTurn(page: Page, baseUrl: string, text: string, timeout = 240_000, ends = turnEnded): Promise<JournalEntry[]> {
  const session = await demoSession(page);
  const before = (await journal(baseUrl, session)).length;
  await page.fill("#input", text);
  await page.click("#composer button");
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const entries = (await journal(baseUrl, session)).slice(before);
    if (entries.some(ends)) return entries;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`turn "${text}" did not finish in ${timeout} ms`);
}

export async function journal(baseUrl: string, session: SessionCreated): Promise<JournalEntry[]> {
  const response = await fetch(`${baseUrl}/v1/sessions/${session.id}/journal?after=0&limit=500`, {
    headers: { authorization: `Bearer ${session.token}` },
  });
  if (!response.ok) throw new Error(`journal: HTTP ${response.status}`);
  return ((await response.json()) as JournalPage).entries;
}

/** Device steps of a journal: the pin and runtime each `step.completed` recorded. */
export function deviceSteps(entries: JournalEntry[]): { model: string; runtime: StepRuntime }[] {
  return entries
    .filter((e) => e.type === "step.completed")
    .map((e) => e.payload as { model?: string; runtime?: StepRuntime })
    .filter(
      (p): p is { model: string; runtime: StepRuntime } => typeof p.model === "string" && p.runtime !== undefined && p.runtime !== null,
    );
}

export async function manifestPin(baseUrl: string, dtype: "fp32" | "q8"): Promise<string> {
  const manifest = (await (await fetch(`${baseUrl}/models/manifest.json`)).json()) as ModelManifest;
  const model = manifest.models[0]!;
  const file = model.files.find((f) => f.path === model.variants.find((v) => v.dtype === dtype)!.file)!;
  return `${model.id}@sha256:${file.sha256}`;
}
