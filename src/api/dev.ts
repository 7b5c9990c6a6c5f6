import { Hono } from "hono";
import { isLocalDevelopment } from "../config/deployment.ts";
import { DormantError, TENANT_PATTERN } from "../protocol/index.ts";
import type { AppEnv } from "./auth.ts";

/**
 * Local development only: what the local mail provider holds, as a real provider's dashboard would
 * show it (tests and the demo check "exactly one email" here). Outside development it does not exist.
 */
export const dev = new Hono<AppEnv>();

dev.use("*", async (c, next) => {
  if (!isLocalDevelopment(c.env)) throw new DormantError("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);
  await next();
});

dev.get("/mailbox/:tenant", async (c) => {
  const tenant = c.req.param("tenant");
  if (!TENANT_PATTERN.test(tenant)) throw new DormantError("invalid_request", '"tenant" must match [a-z0-9][a-z0-9-]{0,62}');
  return c.json({ mail: await c.env.MAILBOX.get(c.env.MAILBOX.idFromName(tenant)).list() });
});
