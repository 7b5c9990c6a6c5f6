import type { MiddlewareHandler } from "hono";
import { deploymentProblems, parseCreateKeys } from "../config/deployment.ts";
import { DormantError, sha256Hex } from "../protocol/index.ts";
import type { Caller, TenantScope } from "../session/caller.ts";
import { type TokenClaims, verifyToken } from "./tokens.ts";

export type AppEnv = { Bindings: Env; Variables: { claims: TokenClaims } };

export function tokenSecret(env: Env): string {
  const secret = env.SESSION_TOKEN_SECRET;
  if (!secret) throw new DormantError("misconfigured", "SESSION_TOKEN_SECRET is not set");
  return secret;
}

export function callerOf(claims: TokenClaims): Caller {
  return { tenant: claims.tenant, role: claims.role, jti: claims.jti };
}

const reported = new WeakSet<object>();

/**
 * Outside local development, a deployment with a missing, short or development token secret, or
 * an empty create key, answers every route `500 misconfigured` and says why in one log line.
 */
export const requireDeployment: MiddlewareHandler<AppEnv> = async (c, next) => {
  const problems = deploymentProblems(c.env);
  if (problems.length > 0) {
    if (!reported.has(c.env)) {
      reported.add(c.env);
      console.error(`dormant: refusing to serve, misconfigured: ${problems.join("; ")}`);
    }
    throw new DormantError("misconfigured", "this deployment is misconfigured; its operator's log says why");
  }
  await next();
};

/**
 * Session routes need `Authorization: Bearer <token>` for that session. Browsers cannot set
 * headers on a WebSocket, so the upgrade route alone also takes `?token=`.
 */
export const requireSessionToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  const isUpgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
  const token = header?.startsWith("Bearer ") ? header.slice(7) : isUpgrade ? c.req.query("token") : undefined;
  if (!token) throw new DormantError("unauthorized", "a session token is required (Authorization: Bearer …)");
  const claims = await verifyToken(tokenSecret(c.env), token);
  if (claims.sid !== c.req.param("id")) throw new DormantError("forbidden", "this token is for a different session");
  c.set("claims", claims);
  await next();
};

/**
 * The tenants the app key in `Authorization` may act for. Only an explicitly empty
 * `SESSION_CREATE_KEY` (local development) opens this to anyone; unset refuses (fail closed).
 */
export async function appKeyScope(env: Env, authorization: string | undefined): Promise<TenantScope> {
  const configured: string | undefined = env.SESSION_CREATE_KEY;
  if (configured === undefined) throw new DormantError("misconfigured", "SESSION_CREATE_KEY is not set");
  if (configured.trim() === "") return "*";
  const given = await sha256Hex(authorization?.replace(/^Bearer /, "") ?? "");
  const tenants = new Set<string>();
  for (const key of parseCreateKeys(configured)) {
    if ((await sha256Hex(key.key)) !== given) continue;
    if (key.tenants === "*") return "*";
    for (const tenant of key.tenants) tenants.add(tenant);
  }
  if (tenants.size === 0) throw new DormantError("unauthorized", "this needs the app key (Authorization: Bearer $SESSION_CREATE_KEY)");
  return [...tenants];
}
