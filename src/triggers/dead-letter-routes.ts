import { type Context, Hono } from "hono";
import { type AppEnv, appKeyScope } from "../api/auth.ts";
import { type DeadLetter, DormantError, ERROR_STATUS, type ErrorCode } from "../protocol/index.ts";
import { inScope } from "../session/caller.ts";
import { deliver } from "./consumer.ts";
import { deadLetters } from "./dead-letters.ts";

/** The letter `:id`, if the app key may see its tenant (another tenant's letter is as good as absent). */
async function letter(c: Context<AppEnv>): Promise<DeadLetter> {
  const scope = await appKeyScope(c.env, c.req.header("authorization"));
  const found = await deadLetters(c.env).get(c.req.param("id") ?? "");
  if (!found || !inScope(scope, found.tenant)) throw new DormantError("not_found", "no such dead letter");
  return found;
}

/** Operators (the app key) list, inspect and replay the events that ran out of delivery attempts. */
export const deadLetterRoutes = new Hono<AppEnv>();

deadLetterRoutes.get("/", async (c) => {
  const scope = await appKeyScope(c.env, c.req.header("authorization"));
  const limit = Math.min(500, Math.max(1, Number(c.req.query("limit") ?? "100") || 100));
  return c.json({ letters: await deadLetters(c.env).list(scope, limit) });
});

deadLetterRoutes.get("/:id", async (c) => c.json(await letter(c)));

/**
 * Delivers the letter's event to its session now, once: a second replay is a conflict. The event
 * keeps its idempotency key, so an event that had landed after all is still one journal event;
 * it is journaled where it arrives now (no order number).
 */
deadLetterRoutes.post("/:id/replay", async (c) => {
  const { id, event } = await letter(c);
  if (!event) throw new DormantError("conflict", "this dead letter is not a trigger event; there is nothing to replay");
  const store = deadLetters(c.env);
  if (!(await store.claimReplay(id))) throw new DormantError("conflict", "this dead letter was replayed already");
  const outcome = await deliver(c.env, { ...event, order: null });
  if (outcome.ok) return c.json({ id, seq: outcome.seq, duplicate: outcome.replayed });
  await store.unclaimReplay(id);
  const code: ErrorCode = outcome.code in ERROR_STATUS ? (outcome.code as ErrorCode) : "internal";
  throw new DormantError(code, `the session did not take the replay: ${outcome.message}`, outcome.retryAfter);
});
