import type { Context } from "hono";
import { DormantError, MAX_BODY_BYTES, parseJson } from "../protocol/index.ts";

/** Reads a body as text, refusing oversized ones before and after reading (Content-Length can lie). */
export async function readBody(c: Context, max = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > max) throw new DormantError("payload_too_large", `body exceeds ${max} bytes`);
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > max) throw new DormantError("payload_too_large", `body exceeds ${max} bytes`);
  return new TextDecoder().decode(bytes);
}

/** Reads a JSON body (see readBody). */
export async function readJson(c: Context, max = MAX_BODY_BYTES): Promise<{ value: unknown; text: string }> {
  const text = await readBody(c, max);
  return { value: text.trim() === "" ? undefined : parseJson(text), text };
}
