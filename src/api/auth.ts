import type { MiddlewareHandler } from "hono";
import { DormantError } from "../protocol";
import { verifyToken, type TokenClaims } from "./tokens";

export type AppEnv = { Bindings: Env; Variables: { claims: TokenClaims } };

export function tokenSecret(env: Env): string {
  const secret = env.SESSION_TOKEN_SECRET;
  if (!secret) throw new DormantError("misconfigured", "SESSION_TOKEN_SECRET is not set");
  return secret;
}

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
