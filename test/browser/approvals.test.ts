import type { BrowserContext, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { JournalEntry, SessionCreated } from "../../src/protocol/index.ts";
import { openDemo, useDemoStack } from "./chromium.ts";
import { demoSession, engineSettled, journal, until } from "./demo-session.ts";

// Approvals in the page (issue 16): the demo session lets its person approve their own actions, so
// the page shows each parked action and decides it; an approver deciding over HTTP clears it too.
const stack = useDemoStack();

const mailTo = async (tenant: string) =>
  ((await (await fetch(`${stack.server.url}/v1/dev/mailbox/${tenant}`)).json()) as { mail: { to: string; attempts: number }[] }).mail;

/** Sends `text` and waits for its approval card; returns the card's operation key. */
async function parkEmail(page: Page, text: string, to: string): Promise<string> {
  await page.fill("#input", text);
  await page.click("#composer button");
  const card = page.locator(".dormant-approval");
  await card.waitFor({ timeout: 240_000 });
  expect(await card.locator("h3").textContent()).toBe("Approve send_email?");
  expect(await card.locator(".args").textContent()).toContain(`to: ${to}`);
  expect(await card.locator(".effect").textContent()).toContain("acts outside this app and cannot be undone");
  return (await card.getAttribute("data-op-key"))!;
}

const after = (entries: JournalEntry[], opKey: string, type: string) => {
  const at = entries.findIndex((e) => e.opKey === opKey && e.type === type);
  return at < 0 ? [] : entries.slice(at + 1);
};

async function approverToken(session: SessionCreated): Promise<string> {
  // The app's backend mints it with the app key (open in local development).
  const response = await fetch(`${stack.server.url}/v1/sessions/${session.id}/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ role: "approver" }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

/**
 * Each case is the first request of a fresh session (one context, so the model is cached): a later
 * request would depend on the earlier turns' answers, which hold a random message id.
 */
async function freshSession(context?: BrowserContext) {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=q8`, context);
  expect(await engineSettled(demo.page)).toMatchObject({ status: "ready" });
  const session = await demoSession(demo.page);
  return { ...demo, session, rows: () => journal(stack.server.url, session) };
}

test("an email parks with its approval in the page: Approve sends it once, Reject tells the model, a decision over HTTP clears the page", async () => {
  // 1. Approve in the page: exactly one mail, then the model answers.
  const approved = await freshSession();
  const first = await parkEmail(approved.page, "email bob@example.com that lunch moved to noon", "bob@example.com");
  expect(await mailTo(approved.session.tenant)).toHaveLength(0);
  await approved.page.locator(".dormant-approval button.approve").click();
  await until(
    async () => (after(await approved.rows(), first, "approval.granted").some((e) => e.type === "assistant.message") ? true : undefined),
    "the answer after the email",
    240_000,
  );
  expect(await mailTo(approved.session.tenant)).toEqual([expect.objectContaining({ to: "bob@example.com", attempts: 1 })]);
  expect(await approved.page.locator(".dormant-approval").count()).toBe(0);
  const sent = (await mailTo(approved.session.tenant)).length;

  // 2. Reject in the page: nothing is sent; the model is told why and answers.
  const rejecting = await freshSession(approved.context);
  const second = await parkEmail(rejecting.page, "email carol@acme.io that lunch moved to noon", "carol@acme.io");
  await rejecting.page.locator(".dormant-approval button.reject").click();
  const rejected = await until(
    async () => {
      const tail = after(await rejecting.rows(), second, "approval.rejected");
      return tail.some((e) => e.type === "assistant.message") ? tail : undefined;
    },
    "the answer after the rejection",
    240_000,
  );
  expect(rejected.find((e) => e.opKey === second && e.type === "step.failed")!.payload).toMatchObject({
    error: { code: "rejected_by_user" },
  });
  expect(await mailTo(rejecting.session.tenant)).toHaveLength(sent);
  expect(await rejecting.page.locator(".dormant-approval").count()).toBe(0);

  // 3. An approver decides over HTTP: the open page's card goes away by itself.
  const watched = await freshSession(approved.context);
  const third = await parkEmail(watched.page, "email dave@example.org that lunch moved to noon", "dave@example.org");
  const token = await approverToken(watched.session);
  const decided = await fetch(`${stack.server.url}/v1/sessions/${watched.session.id}/operations/${third}/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(decided.status).toBe(200);
  await watched.page.locator(".dormant-approval").waitFor({ state: "detached", timeout: 30_000 });
  await until(async () => ((await mailTo(watched.session.tenant)).length === sent + 1 ? true : undefined), "the approved mail", 240_000);
  await approved.context.close();
});
