import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { LOCK_FILE, parseLock } from "../../src/protocol/index.ts";
import { keepLock, lockFor } from "../../web/lock.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const DIST = join(ROOT, "web", "dist");

/** web/dist as the build produced it (npm test builds first), by path. */
async function builtAssets(): Promise<Map<string, Uint8Array>> {
  const entries = await readdir(DIST, { recursive: true, withFileTypes: true });
  const files = new Map<string, Uint8Array>();
  for (const e of entries.filter((e) => e.isFile()))
    files.set(relative(DIST, join(e.parentPath, e.name)), await readFile(join(e.parentPath, e.name)));
  return files;
}

it("the committed lock pins this build's outputs, and a check refuses a build that differs from it", async () => {
  const assets = await builtAssets();
  const lock = await lockFor(ROOT, assets);
  const committed = parseLock(JSON.parse(await readFile(join(ROOT, LOCK_FILE), "utf8")));
  // Both engine workers, ORT's runtimes and their parts, the SDK's modules: each by digest.
  for (const path of [
    "assets/engine-worker.js",
    "assets/engine-worker-wasm.js",
    "ort/ort-wasm-simd-threaded.wasm",
    "ort/runtime.json",
    "package/lib/index.js",
  ]) {
    expect(committed.files[path], path).toEqual(lock.files[path]);
  }
  expect(Object.keys(committed.files).some((path) => path.endsWith(".map") || path.startsWith("models/"))).toBe(false);
  expect(committed.models["dormant-agent-tiny"]?.files["onnx/model_quantized.onnx"]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(committed.platform.compatibilityDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  await expect(keepLock(ROOT, lock, true)).resolves.toBeUndefined();

  // One byte of the WebGPU worker bundle changed: the check names that file and no other.
  const bundle = new Uint8Array(assets.get("assets/engine-worker.js")!);
  bundle[bundle.length >> 1]! ^= 1;
  const tampered = await lockFor(ROOT, new Map([...assets, ["assets/engine-worker.js", bundle]]));
  const refused = await keepLock(ROOT, tampered, true).then(
    () => "accepted",
    (error: Error) => error.message,
  );
  expect(refused).toMatch(/differ from the committed dormant\.lock\.json/);
  expect(refused.split("\n").slice(1)).toEqual([
    expect.stringMatching(/^ {2}assets\/engine-worker\.js: \{"bytes":\d+,"sha256":"[0-9a-f]{64}"\} → /),
  ]);
});
