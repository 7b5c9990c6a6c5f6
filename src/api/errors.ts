import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { DormantError } from "../protocol/index.ts";

/** Every failure leaves as `{ error: { code, message } }` with the code's HTTP status. */
export function errorResponse(error: Error, c: Context): Response {
  if (error instanceof DormantError) {
    if (error.retryAfter !== undefined) c.header("Retry-After", String(error.retryAfter));
    return c.json(error.toBody(), error.status as 400);
  }
  if (error instanceof HTTPException) {
    const code = error.status === 413 ? "payload_too_large" : "invalid_request";
    return c.json(new DormantError(code, error.message || "bad request").toBody(), error.status);
  }
  console.error("unhandled error", error);
  return c.json(new DormantError("internal", "internal error").toBody(), 500);
}

export function notFound(c: Context): Response {
  return c.json(new DormantError("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`).toBody(), 404);
}
