import type { Context } from "hono";
import { DormantError, MAX_BODY_BYTES, parseJson } from "../protocol/index.ts";

/** Reads a JSON body, refusing oversized ones before and after reading (Content-Length can lie). */
export async function readJson(c: Context, max = MAX_BODY_BYTES): Promise<{ value: unknown; text: string }> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > max) throw new DormantError("payload_too_large", `body exceeds ${max} bytes`);
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > max) throw new DormantError("payload_too_large", `body exceeds ${max} bytes`);
  const text = new TextDecoder().decode(bytes);
  return { value: text.trim() === "" ? undefined : parseJson(text), text };
}
