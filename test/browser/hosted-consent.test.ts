import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { type JournalEntry, type ModelManifest, modelPin } from "../../src/protocol/index.ts";
import { openDemo, useDemoStack } from "./chromium.ts";
import { demoSession, engineSettled, journal, until } from "./demo-session.ts";
import type { PageGlobals } from "./page-globals.ts";

// Consented hosted fallback in real Chromium against npm start's stack: wrangler dev, the local
// hosted server (our model on onnxruntime-node) and the demo page with the SDK's dialog and badge.

const stack = useDemoStack();

const hostedRequests = async () =>
  ((await (await fetch(`${stack.server.hostedUrl}/requests`)).json()) as { requests: unknown[] }).requests.length;

async function rows(page: Page): Promise<JournalEntry[]> {
  return journal(stack.server.url, await demoSession(page));
}

const count = (entries: JournalEntry[], type: string) => entries.filter((e) => e.type === type).length;

/** The journal once the session has given `answers` answers in all. */
const untilAnswers = (page: Page, answers: number, what: string, timeoutMs?: number) =>
  until(
    async () => {
      const all = await rows(page);
      return count(all, "assistant.message") === answers ? all : undefined;
    },
    what,
    timeoutMs,
  );

/** What the stamps must say, read from the files themselves, not from anything the device or server reports. */
async function expectedVersions(dtype: "fp32" | "q8") {
  const root = join(import.meta.dirname, "..", "..");
  const readJson = async <T>(path: string) => JSON.parse(await readFile(path, "utf8")) as T;
  const manifest = await readJson<ModelManifest>(join(root, "models", "manifest.json"));
  const transformers = join(root, "node_modules", "@huggingface", "transformers", "package.json");
  const ort = join(dirname(createRequire(transformers).resolve("onnxruntime-web/webgpu")), "..", "package.json");
  return {
    pin: modelPin(manifest.models[0]!, dtype),
    engine: {
      onnxruntimeWeb: (await readJson<{ version: string }>(ort)).version,
      transformersJs: (await readJson<{ version: string }>(transformers)).version,
    },
  };
}

/** The rows an inference step wrote (its completion and, for an answer, the assistant message). */
const stepRows = (entries: JournalEntry[], opKey: string | null) =>
  entries.filter((e) => e.opKey === opKey && (e.type === "step.completed" || e.type === "assistant.message"));

/** The browser evicted this origin's model cache while the model was unloaded (idle). */
async function evictModelCache(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await (globalThis as unknown as PageGlobals).dormant.engine.unload();
    const { caches } = globalThis as unknown as PageGlobals;
    for (const name of await caches.keys()) await caches.delete(name);
  });
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill("#input", text);
  await page.click("#composer button");
}

test("cache evicted mid-session: consent dialog; Allow once answers hosted; the next turn asks again; Not now waits for the device", async () => {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=fp32`);
  const { page } = demo;
  expect(await engineSettled(page)).toMatchObject({ status: "ready" });
  await evictModelCache(page);
  const sentBefore = await hostedRequests();

  // 1. The dialog says why, what goes where; nothing has been sent yet.
  await send(page, "what is 12 * 7?");
  const dialog = page.locator("dialog.dormant-consent[open]");
  await dialog.waitFor({ timeout: 120_000 });
  expect(await dialog.textContent()).toContain("the browser removed the model files from this device");
  expect(await dialog.textContent()).toContain("local/dormant-agent-tiny");
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent)).toBe("Not now");
  expect(await hostedRequests()).toBe(sentBefore);
  await dialog.locator("button", { hasText: "Allow once" }).click();

  // The answer comes from the local hosted server and its badge says so. (The tool call's row gets
  // a hosted badge first: wait for the answer itself, then look at the page.)
  const answer = await until(async () => (await rows(page)).findLast((e) => e.type === "assistant.message"), "the hosted answer");
  const hostedBadge = page.locator("#messages li.assistant .badge.hosted");
  await page.locator(`#messages li.assistant[data-seq="${answer.seq}"] .badge.hosted`).waitFor({ timeout: 60_000 });
  expect(await hostedBadge.last().textContent()).toBe("hosted local/dormant-agent-tiny");
  expect(answer.payload).toMatchObject({
    text: expect.stringContaining("84"),
    receipt: { ranOn: "hosted", consentId: expect.any(String) },
  });
  expect(await hostedRequests()).toBe(sentBefore + 2); // the tool call, then the answer
  // The hosted step's rows carry the provider's reported model, as its receipt does; other rows no model.
  const expected = await expectedVersions("fp32");
  const hostedModel = (answer.payload as { receipt: { model: string } }).receipt.model;
  expect(hostedModel).toBe(`hosted:local/${expected.pin}`); // npm start's local server runs the fp32 variant
  for (const row of stepRows(await rows(page), answer.opKey)) expect(row.stamp).toMatchObject({ model: hostedModel, policy: "policy@1" });
  expect((await rows(page)).find((e) => e.type === "user.message")!.stamp.model).toBeNull();

  // The next turn asks again (Allow once covered one turn); Escape answers Not now.
  await send(page, "hi");
  await dialog.waitFor({ timeout: 60_000 });
  await page.keyboard.press("Escape");
  await until(async () => (count(await rows(page), "consent.declined") === 1 ? true : undefined), "consent.declined");
  expect(await hostedRequests()).toBe(sentBefore + 2);

  // 2. Not now: the step waits; the device recovers (downloads again) and the step completes there.
  await page.click("#retry-device");
  const entries = await untilAnswers(page, 2, "the waiting step answered on the device", 240_000);
  const deviceAnswer = entries.findLast((e) => e.type === "assistant.message")!;
  expect(deviceAnswer.payload).toMatchObject({ receipt: { ranOn: "device", consentId: null, model: expected.pin } });
  // The device step's rows carry the pin of the file it ran and the runtime builds it loaded.
  const deviceRows = stepRows(entries, deviceAnswer.opKey);
  expect(deviceRows.map((e) => e.type)).toEqual(["step.completed", "assistant.message"]);
  for (const row of deviceRows) expect(row.stamp).toMatchObject({ model: expected.pin, engine: expected.engine });
  expect((deviceRows[0]!.payload as { runtime: { versions: unknown } }).runtime.versions).toEqual(expected.engine);
  expect(await hostedRequests()).toBe(sentBefore + 2);
  expect(demo.artifactRequests().filter((path) => path.endsWith("model.onnx"))).toHaveLength(2);
  expect(count(entries, "consent.requested")).toBe(2);

  // 5. Offline: the message waits in the outbox, then is delivered exactly once.
  await demo.context.setOffline(true);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.client.status === "reconnecting");
  await send(page, "what time is it in Asia/Tokyo?");
  await page.waitForFunction(() =>
    (globalThis as unknown as PageGlobals).document.querySelector("#outbox")?.textContent?.includes("1 message"),
  );
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.client.outbox.length)).toBe(1);
  await demo.context.setOffline(false);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.client.outbox.length === 0, null, { timeout: 30_000 });
  const delivered = await untilAnswers(page, 3, "the outbox message answered", 120_000);
  expect(
    delivered.filter((e) => e.type === "user.message" && (e.payload as { text: string }).text === "what time is it in Asia/Tokyo?"),
  ).toHaveLength(1);
  await demo.context.close();
});

test("Allow for this session: badge with Revoke; revoking stops hosted use and the next turn asks again", async () => {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=q8`);
  const { page } = demo;
  expect(await engineSettled(page)).toMatchObject({ status: "ready" });
  await evictModelCache(page);
  await send(page, "hello");
  const dialog = page.locator("dialog.dormant-consent[open]");
  await dialog.waitFor({ timeout: 120_000 });
  await dialog.locator("button", { hasText: "Allow for this session" }).click();
  const badge = page.locator("#hosted-badge");
  await badge.locator("text=for this session").waitFor({ timeout: 30_000 });
  await untilAnswers(page, 1, "the hosted answer");
  // Still in force for the next turn: no question, hosted again.
  await send(page, "thanks");
  await untilAnswers(page, 2, "the second hosted answer");
  expect(count(await rows(page), "consent.requested")).toBe(1);

  await badge.locator("button", { hasText: "Revoke" }).click();
  await until(async () => (count(await rows(page), "consent.revoked") === 1 ? true : undefined), "consent.revoked");
  expect(await badge.isHidden()).toBe(true);
  const sent = await hostedRequests();
  await send(page, "what is 2 + 2?");
  await dialog.waitFor({ timeout: 60_000 });
  expect(count(await rows(page), "consent.requested")).toBe(2);
  expect(await hostedRequests()).toBe(sent);
  await demo.context.close();
});

test("policy never: the dialog is never offered and the step waits for the device", async () => {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&hosted=never&device=wasm&dtype=q8`);
  const { page } = demo;
  expect(await engineSettled(page)).toMatchObject({ status: "ready" });
  await evictModelCache(page);
  const sent = await hostedRequests();
  await send(page, "hello");
  await until(async () => (count(await rows(page), "device.unavailable") === 1 ? true : undefined), "device.unavailable");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await page.locator("dialog.dormant-consent").count()).toBe(0);
  expect((await rows(page)).some((e) => e.type.startsWith("consent."))).toBe(false);
  expect(await hostedRequests()).toBe(sent);
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.session.policy.hosted)).toBe("never");
  await demo.context.close();
});
