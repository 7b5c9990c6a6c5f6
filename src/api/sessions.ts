import { type Context, Hono } from "hono";
import {
  DormantError,
  eventFingerprint,
  IDEMPOTENCY_KEY_PATTERN,
  type IssuedToken,
  type JournalEntry,
  parseClientEvent,
  parseConsentDecision,
  parseConsentId,
  parseResolution,
  parseScheduleRequest,
  parseSessionOptions,
  parseTokenRequest,
  requireRecord,
  type SessionCreated,
  stepEvidence,
} from "../protocol/index.ts";
import type { AgentSession } from "../session/agent-session.ts";
import { CALLER_HEADER, inScope } from "../session/caller.ts";
import { unwrap } from "../session/rpc.ts";
import { cronSubscriptions } from "../triggers/cron-subscriptions.ts";
import { parseSubscription } from "../triggers/deployment-crons.ts";
import { type AppEnv, appKeyScope, callerOf, requireSessionToken, tokenSecret } from "./auth.ts";
import { readJson } from "./body.ts";
import { requireListedOrigin } from "./origins.ts";
import { deployedRelease } from "./release.ts";
import { sessionObjectId } from "./session-id.ts";
import { signToken, type TokenRequest } from "./tokens.ts";

/**
 * The session's RPC surface as plain method types: workerd's generic stub typing recurses too
 * deeply for the compiler on these result unions.
 */
type SessionStub = Pick<
  AgentSession,
  | "init"
  | "describe"
  | "revokeToken"
  | "view"
  | "appendEvent"
  | "readJournal"
  | "decide"
  | "resolve"
  | "stats"
  | "fetch"
  | "decideConsent"
  | "runHosted"
  | "revokeConsent"
  | "createSchedule"
  | "listSchedules"
  | "cancelSchedule"
>;

function stub(c: Context<AppEnv>): SessionStub {
  const id = sessionObjectId(c.env.AGENT_SESSION, c.req.param("id"));
  if (!id) throw new DormantError("not_found", "no such session");
  return c.env.AGENT_SESSION.get(id) as unknown as SessionStub;
}

const JOURNAL_PAGE_MAX = 1000;

function intQuery(c: Context, name: string, fallback: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > max) throw new DormantError("invalid_request", `"${name}" must be an integer in [0, ${max}]`);
  return value;
}

async function issue(c: Context<AppEnv>, request: TokenRequest): Promise<IssuedToken> {
  const { token, claims } = await signToken(tokenSecret(c.env), request);
  return { token, role: claims.role, jti: claims.jti, expiresAt: claims.exp * 1000 };
}

export const sessions = new Hono<AppEnv>();

sessions.post("/", async (c) => {
  const scope = await appKeyScope(c.env, c.req.header("authorization"));
  const options = parseSessionOptions((await readJson(c)).value);
  if (!inScope(scope, options.tenant))
    throw new DormantError("forbidden", `this app key cannot create sessions for tenant "${options.tenant}"`);
  const id = c.env.AGENT_SESSION.newUniqueId();
  // Signed before the object is touched: a signing failure leaves no half-made session behind.
  const issued = await issue(c, { sid: id.toString(), tenant: options.tenant, role: "device" });
  const release = await deployedRelease(c.env.ASSETS);
  const created = unwrap(await (c.env.AGENT_SESSION.get(id) as unknown as SessionStub).init(options, release));
  const body: SessionCreated = { ...created, policy: options.policy, ...issued };
  return c.json(body, 201);
});

// The app's backend mints and revokes tokens with its app key; the key never reaches a browser.
sessions.post("/:id/tokens", async (c) => {
  const scope = await appKeyScope(c.env, c.req.header("authorization"));
  const request = parseTokenRequest((await readJson(c)).value);
  const { id, tenant } = unwrap(await stub(c).describe(scope));
  return c.json(await issue(c, { sid: id, tenant, ...request }), 201);
});

sessions.delete("/:id/tokens/:jti", async (c) => {
  const scope = await appKeyScope(c.env, c.req.header("authorization"));
  return c.json(unwrap(await stub(c).revokeToken(scope, c.req.param("jti"))));
});

// Deployment Cron Triggers a session wakes on: the app's backend subscribes it (src/triggers/cron-tick.ts).
sessions.post("/:id/subscriptions", async (c) => {
  const { id, tenant } = unwrap(await stub(c).describe(await appKeyScope(c.env, c.req.header("authorization"))));
  const subscription = { session: id, tenant, ...parseSubscription((await readJson(c)).value) };
  await cronSubscriptions(c.env).subscribe(subscription);
  return c.json(subscription, 201);
});

sessions.get("/:id/subscriptions", async (c) => {
  const { id } = unwrap(await stub(c).describe(await appKeyScope(c.env, c.req.header("authorization"))));
  return c.json({ subscriptions: await cronSubscriptions(c.env).ofSession(id) });
});

sessions.delete("/:id/subscriptions", async (c) => {
  const { id } = unwrap(await stub(c).describe(await appKeyScope(c.env, c.req.header("authorization"))));
  return c.json({ removed: await cronSubscriptions(c.env).unsubscribe(id, c.req.query("cron") ?? "") });
});

sessions.use("/:id", requireSessionToken);
sessions.use("/:id/*", requireSessionToken);

const caller = (c: Context<AppEnv>) => callerOf(c.var.claims);

sessions.get("/:id", async (c) => c.json(unwrap(await stub(c).view(caller(c)))));

sessions.post("/:id/events", async (c) => {
  const event = parseClientEvent((await readJson(c)).value);
  const key = c.req.header("idempotency-key");
  if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new DormantError("invalid_request", "Idempotency-Key must be 1-200 printable ASCII characters");
  }
  const idempotency = key === undefined ? null : { key, fingerprint: await eventFingerprint(event) };
  const result = unwrap(await stub(c).appendEvent(caller(c), event, idempotency));
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(result, result.replayed ? 200 : 201);
});

sessions.get("/:id/journal", async (c) => {
  const after = intQuery(c, "after", 0, Number.MAX_SAFE_INTEGER);
  const limit = Math.max(1, intQuery(c, "limit", 200, JOURNAL_PAGE_MAX));
  return c.json(unwrap(await stub(c).readJournal(caller(c), after, limit)));
});

/** Each step's evidence (evidence.ts), folded from the whole journal, read in pages. */
sessions.get("/:id/evidence", async (c) => {
  const session = stub(c);
  const entries: JournalEntry[] = [];
  for (let after = 0; ; ) {
    const page = unwrap(await session.readJournal(caller(c), after, JOURNAL_PAGE_MAX));
    entries.push(...page.entries);
    if (page.entries.length < JOURNAL_PAGE_MAX) break;
    after = page.next;
  }
  return c.json({ steps: stepEvidence(entries) });
});

sessions.get("/:id/ws", requireListedOrigin, async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new DormantError("invalid_request", "this route needs a WebSocket upgrade");
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set(CALLER_HEADER, JSON.stringify(caller(c)));
  return stub(c).fetch(new Request(c.req.raw, { headers }));
});

for (const decision of ["approve", "reject"] as const) {
  sessions.post(`/:id/operations/:opKey/${decision}`, async (c) =>
    c.json(unwrap(await stub(c).decide(caller(c), c.req.param("opKey"), decision))),
  );
}

sessions.post("/:id/operations/:opKey/resolve", async (c) => {
  const outcome = parseResolution((await readJson(c)).value);
  return c.json(unwrap(await stub(c).resolve(caller(c), c.req.param("opKey"), outcome)));
});

sessions.get("/:id/stats", async (c) => c.json(unwrap(await stub(c).stats(caller(c)))));

// Consent: a person's answer to a consent request, a hosted run on the strength of a grant, revocation.
sessions.post("/:id/operations/:opKey/consent", async (c) => {
  const decision = parseConsentDecision((await readJson(c)).value);
  const result = unwrap(await stub(c).decideConsent(caller(c), c.req.param("opKey"), decision));
  return c.json(result, result.consent ? 201 : 200);
});

sessions.post("/:id/operations/:opKey/hosted", async (c) => {
  const { value } = await readJson(c);
  const body = requireRecord(value ?? {}, "body");
  const consentId = body.consentId === undefined || body.consentId === null ? null : parseConsentId(body);
  return c.json(unwrap(await stub(c).runHosted(caller(c), c.req.param("opKey"), consentId)), 202);
});

sessions.delete("/:id/consents/:consentId", async (c) => c.json(unwrap(await stub(c).revokeConsent(caller(c), c.req.param("consentId")))));

// Schedules: the session's own timers (at, every, cron), fired by its alarm (src/session/scheduler.ts).
sessions.post("/:id/schedules", async (c) => {
  const request = parseScheduleRequest((await readJson(c)).value, Date.now());
  return c.json(unwrap(await stub(c).createSchedule(caller(c), request)), 201);
});

sessions.get("/:id/schedules", async (c) => c.json({ schedules: unwrap(await stub(c).listSchedules(caller(c))) }));

sessions.delete("/:id/schedules/:scheduleId", async (c) =>
  c.json(unwrap(await stub(c).cancelSchedule(caller(c), c.req.param("scheduleId")))),
);
