import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { DormantError } from "../protocol/index.ts";
import type { AppEnv } from "./auth.ts";

/**
 * Whether a page on `origin` may call this API: its own origin always, others only when listed in
 * `ALLOWED_ORIGINS` (comma-separated `scheme://host[:port]`). Tokens still decide what a call may do;
 * this decides which apps' pages may make calls at all.
 */
export function originAllowed(origin: string, c: Context<AppEnv>): boolean {
  if (origin === new URL(c.req.url).origin) return true;
  const listed = (c.env.ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim().replace(/\/$/, ""));
  return listed.includes(origin);
}

/** CORS for listed origins only: an unlisted page's preflight gets no Access-Control-Allow-Origin. */
export const corsForListedOrigins: MiddlewareHandler<AppEnv> = cors({
  origin: (origin, c) => (originAllowed(origin, c as Context<AppEnv>) ? origin : null),
  allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
  allowHeaders: ["authorization", "content-type", "idempotency-key"],
  // A 429's Retry-After must be readable by the app that has to wait.
  exposeHeaders: ["retry-after"],
  maxAge: 600,
});

/**
 * WebSocket upgrades are not subject to CORS, so the origin is checked here: a browser always
 * sends it, and a page on an unlisted origin is refused even with a valid token. Clients that are
 * not browsers send none and are judged by their token alone.
 */
export const requireListedOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("origin");
  if (origin !== undefined && !originAllowed(origin, c)) {
    throw new DormantError("forbidden", `pages on ${origin.slice(0, 200)} may not open this session's socket (ALLOWED_ORIGINS)`);
  }
  await next();
};
