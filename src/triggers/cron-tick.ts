import type { TriggerEvent } from "../protocol/index.ts";
import { cronSubscriptions } from "./cron-subscriptions.ts";
import { deadLetters } from "./dead-letters.ts";
import { HOUSEKEEPING_CRON } from "./deployment-crons.ts";

/** `sendBatch` takes at most this many messages. */
const SEND_BATCH = 100;

/**
 * A deployment Cron Trigger fired: one queued event per subscribed session, keyed by the cron and
 * its scheduled time, so a tick delivered twice still wakes each session once. The nightly run
 * also prunes the deployment's own bookkeeping (sessions prune theirs when they wake).
 */
export async function onCronTick(
  controller: Pick<ScheduledController, "cron" | "scheduledTime">,
  env: Env,
): Promise<{ queued: number; pruned: number }> {
  const { cron, scheduledTime } = controller;
  const acceptedAt = Date.now();
  const events: TriggerEvent[] = (await cronSubscriptions(env).subscribers(cron)).map(({ session, tenant, text }) => ({
    v: 1,
    source: "cron",
    name: cron,
    session,
    tenant,
    key: `cron:${cron}:${scheduledTime}`,
    labels: [],
    text,
    data: { scheduledTime },
    acceptedAt,
    order: null,
  }));
  for (let i = 0; i < events.length; i += SEND_BATCH) {
    await env.EVENTS.sendBatch(events.slice(i, i + SEND_BATCH).map((body) => ({ body, contentType: "json" as const })));
  }
  const pruned = cron === HOUSEKEEPING_CRON ? await deadLetters(env).prune() : 0;
  return { queued: events.length, pruned };
}
