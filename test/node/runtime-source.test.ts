import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { RuntimeManifest } from "../../src/protocol/index.ts";
import type { PinnedFile } from "../../web/cache/download.ts";
import { runtimeSource } from "../../web/engine/runtime-source.ts";
import { ClientError } from "../../web/errors.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const wasm = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) % 251);
const manifest = (parts: Uint8Array[]): RuntimeManifest => ({
  runtime: "onnxruntime-web",
  version: "test",
  file: "ort.wasm",
  bytes: wasm.length,
  sha256: sha256(wasm),
  parts: parts.map((bytes, i) => ({ path: `ort.wasm.part${i}`, bytes: bytes.length, sha256: sha256(bytes) })),
});
const pinned = (runtime: RuntimeManifest): PinnedFile[] =>
  runtime.parts.map((p) => ({ url: `https://assets.test/ort/${p.path}`, sha256: p.sha256, bytes: p.bytes }));

describe("runtime source", () => {
  test("a runtime in one file compiles from its cache entry, or from the verified bytes when the entry is gone", async () => {
    const runtime = manifest([wasm]);
    const [file] = pinned(runtime);
    const stored = new Response(wasm.slice(), { headers: { "content-type": "application/wasm" } });
    const source = await runtimeSource(runtime, [file!], new Map([[file!.url, wasm]]), async () => stored);
    expect(source.kind).toBe("entry");
    if (source.kind !== "entry") return;
    expect(source.url).toBe(file!.url);
    expect(await source.response()).toBe(stored);

    const evicted = await runtimeSource(runtime, [file!], new Map([[file!.url, wasm]]), async () => undefined);
    if (evicted.kind !== "entry") throw new Error("expected an entry source");
    const fallback = await evicted.response();
    expect(fallback.headers.get("content-type")).toBe("application/wasm");
    expect(new Uint8Array(await fallback.arrayBuffer())).toEqual(wasm);
  });

  test("a runtime in parts is joined and checked against the whole file's digest", async () => {
    const parts = [wasm.subarray(0, 1000), wasm.subarray(1000)];
    const runtime = manifest(parts);
    const files = pinned(runtime);
    const source = await runtimeSource(runtime, files, new Map(files.map((f, i) => [f.url, parts[i]!])), async () => undefined);
    expect(source).toEqual({ kind: "bytes", wasm });

    // Parts that each match their pins but were cut from another build do not join to the runtime.
    const other = { ...runtime, sha256: sha256(new Uint8Array(wasm.length)) };
    const refused = await runtimeSource(other, files, new Map(files.map((f, i) => [f.url, parts[i]!])), async () => undefined).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ClientError);
    expect((refused as ClientError).code).toBe("integrity_mismatch");
  });
});
