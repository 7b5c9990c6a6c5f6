import { type RuntimeManifest, sha256Hex, shippedWhole } from "../../src/protocol/index.ts";
import type { PinnedFile } from "../cache/download.ts";
import { ClientError } from "../errors.ts";

/**
 * Where ORT gets its verified wasm. A build shipped whole is compiled from its Cache Storage entry
 * with `instantiateStreaming`, so Chromium keeps the compiled code for the next visit (its code
 * cache applies to cache and HTTP responses, never to a buffer); a build in parts is joined into a
 * buffer and compiled afresh each time (decisions/0014).
 */
export type RuntimeSource = { kind: "entry"; url: string; response: () => Promise<Response> } | { kind: "bytes"; wasm: Uint8Array };

/**
 * `files`: the verified bytes of `parts` by URL. `entry`: reads the stored entry again; its bytes
 * were verified by this load, and a later change to them needs script on this origin, which could
 * replace the engine itself. Should it be gone by then, the verified bytes are compiled instead.
 */
export async function runtimeSource(
  runtime: RuntimeManifest,
  parts: PinnedFile[],
  files: ReadonlyMap<string, Uint8Array>,
  entry: (file: PinnedFile) => Promise<Response | undefined>,
): Promise<RuntimeSource> {
  const [only] = parts;
  if (only && shippedWhole(runtime)) {
    const bytes = files.get(only.url)!;
    const fallback = () => new Response(bytes.slice(), { headers: { "content-type": "application/wasm" } });
    return { kind: "entry", url: only.url, response: async () => (await entry(only)) ?? fallback() };
  }
  const wasm = new Uint8Array(runtime.bytes);
  let offset = 0;
  for (const part of parts) {
    wasm.set(files.get(part.url)!, offset);
    offset += part.bytes;
  }
  if ((await sha256Hex(wasm)) !== runtime.sha256)
    throw new ClientError("integrity_mismatch", `${runtime.file}: joined parts do not match the pinned sha256`);
  return { kind: "bytes", wasm };
}
