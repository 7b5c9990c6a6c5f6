import type { WebSocketRoute } from "playwright-core";
import { expect, test } from "vitest";
import type { JournalEntry, SessionCreated } from "../../src/protocol/index.ts";
import { openDemo, useDemoStack } from "./chromium.ts";
import { clientOpen, demoSession, engineSettled, journal, until } from "./demo-session.ts";
import type { PageGlobals } from "./page-globals.ts";

const stack = useDemoStack();

test("a dropped socket reconnects with backoff and resumes from the last seq: nothing missed, nothing twice", async () => {
  const context = await stack.browser.newContext();
  // Every session socket goes through a Playwright proxy, so the test can cut it like a network drop.
  const routes: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  await context.routeWebSocket(/\/v1\/sessions\/.*\/ws/, (route) => {
    routes.push({ page: route, server: route.connectToServer() });
  });
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=fp32`, context);
  expect(await engineSettled(demo.page)).toMatchObject({ status: "ready" });
  await clientOpen(demo.page);
  const session = await demoSession(demo.page);

  // Only the page sees the drop: the server still holds a half-open socket, as after a real network
  // loss. The client's hello on reconnect (same `device`) retires it, so its lease moves at once.
  await routes[0]!.page.close({ code: 1001, reason: "network drop" });
  await demo.page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.client.status === "reconnecting");
  // While this device is away, a message arrives over HTTP: the session journals it and waits.
  const sent = await fetch(`${stack.server.url}/v1/sessions/${session.id}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.token}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "user.message", text: "what is 6 * 7?" }),
  });
  expect(sent.status).toBe(201);

  // Back: the client says hello with its last seq, catches up, takes the lease and answers, well
  // before the 120 s lease deadline the half-open socket would otherwise have held it to.
  const rows = await untilAnswered(stack.server.url, session);
  expect(routes.length).toBe(2);
  const statuses = await demo.page.evaluate(() =>
    (globalThis as unknown as PageGlobals).dormant.clientEvents.flatMap((e) => (e.type === "status" ? [e.status] : [])),
  );
  expect(statuses).toEqual(["open", "reconnecting", "open"]);
  expect(rows.filter((e) => e.type === "user.message")).toHaveLength(1);
  expect(rows.find((e) => e.type === "assistant.message")?.payload).toMatchObject({
    model: expect.stringMatching(/^dormant-agent-tiny@sha256:/),
  });
  // The page gets every row through the answer, each once.
  const answerSeq = rows.find((e) => e.type === "assistant.message")!.seq;
  await demo.page.waitForFunction((seq) => (globalThis as unknown as PageGlobals).dormant.client.lastSeq >= seq, answerSeq);
  const shown = await demo.page.evaluate(() => (globalThis as unknown as PageGlobals).dormant.client.transcript.messages.map((m) => m.seq));
  expect(new Set(shown).size).toBe(shown.length);
  expect(shown).toContain(answerSeq);
  expect(await demo.page.locator("#messages li.user").count()).toBe(1);
  await context.close();
});

const untilAnswered = (baseUrl: string, session: SessionCreated): Promise<JournalEntry[]> =>
  until(async () => {
    const rows = await journal(baseUrl, session);
    return rows.some((e) => e.type === "assistant.message" || e.type === "turn.failed") ? rows : undefined;
  }, "the turn to end after the reconnect");

test("two tabs of one session queue a message each while offline; the one left open delivers both, each once", async () => {
  const context = await stack.browser.newContext();
  const first = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=q8&lazy`, context);
  // `dormant` appears once the page's script has made its session: until then there is nothing to ask.
  await clientOpen(first.page);
  // A new tab of the app continues its session (the demo keeps it in localStorage).
  const second = await openDemo(stack.browser, `${stack.server.url}/?device=wasm&dtype=q8&lazy`, context);
  await clientOpen(second.page);
  const session = await demoSession(first.page);
  expect((await demoSession(second.page)).id).toBe(session.id);

  await context.setOffline(true);
  const queue = async (page: typeof first.page, text: string) => {
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.client.status === "reconnecting");
    await page.fill("#input", text);
    await page.click("#composer button");
  };
  // Both at once: each tab's write must keep the other's message.
  await Promise.all([queue(first.page, "hello from the first tab"), queue(second.page, "hello from the second tab")]);
  await first.page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.client.outbox.length === 2);
  await second.page.close();
  await context.setOffline(false);

  const texts = async () =>
    (await journal(stack.server.url, session)).flatMap((e) => (e.type === "user.message" ? [(e.payload as { text: string }).text] : []));
  await until(async () => ((await texts()).length >= 2 ? true : undefined), "both queued messages");
  expect((await texts()).sort()).toEqual(["hello from the first tab", "hello from the second tab"]);
  await first.page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.client.outbox.length === 0);
  await new Promise((r) => setTimeout(r, 1000)); // nothing arrives twice later either
  expect(await texts()).toHaveLength(2);
  await context.close();
});
