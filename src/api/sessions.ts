import { Hono, type Context } from "hono";
import {
  DormantError,
  SESSION_ID_PATTERN,
  parseClientEvent,
  parseConsentDecision,
  parseConsentId,
  requireRecord,
  parseResolution,
  parseSessionOptions,
  sha256Hex,
  type SessionCreated,
} from "../protocol";
import type { AgentSession } from "../session/agent-session";
import { TENANT_HEADER } from "../session/agent-session";
import { unwrap } from "../session/rpc";
import { requireSessionToken, tokenSecret, type AppEnv } from "./auth";
import { readJson } from "./body";
import { signToken } from "./tokens";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The session's RPC surface as plain method types: workerd's generic stub typing recurses too
 * deeply for the compiler on these result unions.
 */
type SessionStub = Pick<
  AgentSession,
  "init" | "view" | "appendEvent" | "readJournal" | "decide" | "resolve" | "stats" | "fetch" | "decideConsent" | "runHosted" | "revokeConsent"
>;

function stub(c: Context<AppEnv>): SessionStub {
  const id = c.req.param("id");
  if (!id || !SESSION_ID_PATTERN.test(id)) throw new DormantError("not_found", "no such session");
  return c.env.AGENT_SESSION.get(c.env.AGENT_SESSION.idFromString(id)) as unknown as SessionStub;
}

function intQuery(c: Context, name: string, fallback: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > max) throw new DormantError("invalid_request", `"${name}" must be an integer in [0, ${max}]`);
  return value;
}

async function requireCreateKey(c: Context<AppEnv>): Promise<void> {
  const expected: string | undefined = c.env.SESSION_CREATE_KEY;
  // Secure by default: unset refuses; only an explicit empty value (local .dev.vars) opens it.
  if (expected === undefined) throw new DormantError("misconfigured", "SESSION_CREATE_KEY is not set");
  if (expected === "") return;
  const given = c.req.header("authorization")?.replace(/^Bearer /, "") ?? "";
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(expected)]);
  if (a !== b) throw new DormantError("unauthorized", "creating a session needs the app key");
}

export const sessions = new Hono<AppEnv>();

sessions.post("/", async (c) => {
  await requireCreateKey(c);
  const options = parseSessionOptions((await readJson(c)).value);
  const id = c.env.AGENT_SESSION.newUniqueId();
  const created = unwrap(await (c.env.AGENT_SESSION.get(id) as unknown as SessionStub).init(options));
  const body: SessionCreated = { ...created, policy: options.policy, token: await signToken(tokenSecret(c.env), created.id, created.tenant) };
  return c.json(body, 201);
});

sessions.use("/:id", requireSessionToken);
sessions.use("/:id/*", requireSessionToken);

sessions.get("/:id", async (c) => c.json(unwrap(await stub(c).view(c.var.claims.tenant))));

sessions.post("/:id/events", async (c) => {
  const { value, text } = await readJson(c);
  const event = parseClientEvent(value);
  const key = c.req.header("idempotency-key");
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new DormantError("invalid_request", "Idempotency-Key must be 1-200 printable ASCII characters");
  }
  const idempotency = key === undefined ? null : { key, fingerprint: await sha256Hex(text) };
  const result = unwrap(await stub(c).appendEvent(c.var.claims.tenant, event, idempotency));
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(result, result.replayed ? 200 : 201);
});

sessions.get("/:id/journal", async (c) => {
  const after = intQuery(c, "after", 0, Number.MAX_SAFE_INTEGER);
  const limit = Math.max(1, intQuery(c, "limit", 200, 1000));
  return c.json(unwrap(await stub(c).readJournal(c.var.claims.tenant, after, limit)));
});

sessions.get("/:id/ws", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new DormantError("invalid_request", "this route needs a WebSocket upgrade");
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set(TENANT_HEADER, c.var.claims.tenant);
  return stub(c).fetch(new Request(c.req.raw, { headers }));
});

for (const decision of ["approve", "reject"] as const) {
  sessions.post(`/:id/operations/:opKey/${decision}`, async (c) =>
    c.json(unwrap(await stub(c).decide(c.var.claims.tenant, c.req.param("opKey"), decision))),
  );
}

sessions.post("/:id/operations/:opKey/resolve", async (c) => {
  const outcome = parseResolution((await readJson(c)).value);
  return c.json(unwrap(await stub(c).resolve(c.var.claims.tenant, c.req.param("opKey"), outcome)));
});

sessions.get("/:id/stats", async (c) => c.json(unwrap(await stub(c).stats(c.var.claims.tenant))));

// Consent: a person's answer to a consent request, a hosted run on the strength of a grant, revocation.
sessions.post("/:id/operations/:opKey/consent", async (c) => {
  const decision = parseConsentDecision((await readJson(c)).value);
  const result = unwrap(await stub(c).decideConsent(c.var.claims.tenant, c.req.param("opKey"), decision));
  return c.json(result, result.consent ? 201 : 200);
});

sessions.post("/:id/operations/:opKey/hosted", async (c) => {
  const { value } = await readJson(c);
  const body = requireRecord(value ?? {}, "body");
  const consentId = body.consentId === undefined || body.consentId === null ? null : parseConsentId(body);
  return c.json(unwrap(await stub(c).runHosted(c.var.claims.tenant, c.req.param("opKey"), consentId)), 202);
});

sessions.delete("/:id/consents/:consentId", async (c) =>
  c.json(unwrap(await stub(c).revokeConsent(c.var.claims.tenant, c.req.param("consentId")))),
);
