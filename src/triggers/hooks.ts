import { type Context, Hono } from "hono";
import type { AppEnv } from "../api/auth.ts";
import { readBody } from "../api/body.ts";
import {
  DormantError,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_BODY_BYTES,
  parseHookBody,
  parseJson,
  SESSION_ID_PATTERN,
  type TriggerEvent,
} from "../protocol/index.ts";
import { admitEvent, releaseEvent } from "./admission.ts";
import { hookConfig } from "./hook-config.ts";
import { verifyDelivery } from "./signature.ts";

function header(c: Context, name: string): string {
  const value = c.req.header(name);
  if (value === undefined) throw new DormantError("unauthorized", `a signed webhook needs the ${name} header`);
  return value;
}

/**
 * `POST /v1/hooks/:name`: a signed delivery from another system. Checked in this order, each
 * refusal typed and nothing stored: hook known, size, signature and timestamp, JSON, target
 * session, the tenant's caps. Then the event is queued (202); the session journals it once per
 * delivery id however often the sender retries.
 */
export const hooks = new Hono<AppEnv>();

hooks.post("/:name", async (c) => {
  const hook = hookConfig(c.env, c.req.param("name"));
  const body = await readBody(c, MAX_BODY_BYTES);
  const id = c.req.header("webhook-id") ?? c.req.header("idempotency-key") ?? "";
  if (!IDEMPOTENCY_KEY_PATTERN.test(id))
    throw new DormantError("invalid_request", "Webhook-Id (or Idempotency-Key) must be 1-200 printable ASCII characters");
  const now = Date.now();
  await verifyDelivery(
    hook.secret,
    { id, timestamp: header(c, "webhook-timestamp"), signature: header(c, "webhook-signature"), body },
    now,
  );
  const value = parseJson(body);
  const { session: named, text } = parseHookBody(value, hook.sessionField);
  const session = hook.session ?? named;
  if (session === null || !SESSION_ID_PATTERN.test(session)) {
    throw new DormantError("invalid_request", `the body's "${hook.sessionField}" must name a session (64 hex characters)`);
  }
  const key = `hook:${hook.name}:${id}`;
  const unordered: Omit<TriggerEvent, "order"> = {
    v: 1,
    source: "webhook",
    name: hook.name,
    session,
    tenant: hook.tenant,
    key,
    labels: hook.labels,
    text,
    data: value as TriggerEvent["data"],
    acceptedAt: now,
  };
  const event: TriggerEvent = { ...unordered, order: await admitEvent(c.env, hook.tenant, unordered) };
  try {
    await c.env.EVENTS.send(event, { contentType: "json" });
  } catch (error) {
    await releaseEvent(c.env, hook.tenant, key);
    console.error("queue send failed", error);
    throw new DormantError("queue_unavailable", "the event queue did not take this delivery; send it again", 5);
  }
  return c.json({ accepted: true, key, session }, 202);
});
