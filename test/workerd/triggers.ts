import { env } from "cloudflare:workers";
import type { DeadLetter, JournalEntry } from "../../src/protocol/index.ts";
import { DEV_HOOK_SECRET } from "../../src/triggers/hook-config.ts";
import { sign } from "../../src/triggers/signature.ts";
import { api, type TestSession, waitFor } from "./helpers.ts";

/** A webhook delivery as a sender signs it: `skewS` moves the sender's clock. */
export async function deliverHook(
  hook: string,
  body: unknown,
  options: { id?: string; skewS?: number; secret?: string; raw?: string; signature?: string } = {},
): Promise<Response> {
  const id = options.id ?? crypto.randomUUID();
  const text = options.raw ?? JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000) + (options.skewS ?? 0));
  const signature = options.signature ?? (await sign(options.secret ?? DEV_HOOK_SECRET, id, timestamp, text));
  return api(`/v1/hooks/${hook}`, {
    method: "POST",
    body: text,
    headers: { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature },
  });
}

export const received = (entries: JournalEntry[]) => entries.filter((e) => e.type === "trigger.received");

/** Waits until the session has journaled `count` trigger events (the queue delivers in batches). */
export function untilReceived(session: TestSession, count: number, timeoutMs = 20_000): Promise<JournalEntry[]> {
  return waitFor(
    async () => {
      const entries = received(await session.journal());
      return entries.length >= count && entries;
    },
    `${count} trigger events in the journal`,
    timeoutMs,
  );
}

export async function listDeadLetters(): Promise<DeadLetter[]> {
  return ((await (await api("/v1/dead-letters")).json()) as { letters: DeadLetter[] }).letters;
}

export const gate = (tenant: string) => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenant));

/** Lets the queue run its batches (max_batch_timeout is 1 s) before a test checks that nothing arrived. */
export const queueSettles = () => new Promise((resolve) => setTimeout(resolve, 2500));
