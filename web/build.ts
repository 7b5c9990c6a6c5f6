// npm run build: bundles web/ for the browser and lays out web/dist, the Worker's static assets:
//   /             demo page          /assets/   demo and engine-worker bundles
//   /models/      manifest + files   /ort/      onnxruntime-web's two wasm builds, each with its manifest
// and web/package/lib, the SDK an app installs (`npm pack ./web/package`): ESM + .d.ts; then
// dormant.lock.json, which pins all of it (web/lock.ts).

import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import type { ModelManifest, RuntimeManifest } from "../src/protocol/index.ts";
import { keepLock, lockFor, sha256 } from "./lock.ts";

const ROOT = dirname(import.meta.dirname);
const OUT = join(ROOT, "web", "dist");
// Workers static assets refuse files over 25 MiB; ORT's WebGPU-capable wasm is ~27 MB, so it ships
// in parts that the engine fetches, verifies and joins (decisions/0005). The WASM-only build is
// ~14 MB and ships whole: Chromium keeps its compiled code between visits (decisions/0014).
const PART_BYTES = 16 * 1024 * 1024;
/**
 * Two engine workers, each with the ORT build it needs: transformers.js imports
 * `onnxruntime-web/webgpu` (asyncify build, WebGPU and WASM); a device that will not use WebGPU
 * gets the WASM-only build instead, half the bytes and a third of the start-up.
 */
const RUNTIMES = {
  webgpu: { manifest: "runtime.json", wasm: "ort-wasm-simd-threaded.asyncify.wasm", ort: "onnxruntime-web/webgpu" },
  wasm: { manifest: "runtime-wasm.json", wasm: "ort-wasm-simd-threaded.wasm", ort: "onnxruntime-web/wasm" },
} as const;

type Output = Map<string, Uint8Array>;
const text = (value: string) => new TextEncoder().encode(value);

async function bundle(out: Output): Promise<Record<string, string>> {
  const common = {
    absWorkingDir: ROOT,
    outdir: join(OUT, "assets"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "linked",
    logLevel: "warning",
    write: false,
  } as const;
  const keep = (result: { outputFiles: { path: string; contents: Uint8Array }[] }) => {
    for (const file of result.outputFiles) out.set(relative(OUT, file.path), file.contents);
  };
  const workers = await Promise.all([
    build({ ...common, entryPoints: { "engine-worker": "web/engine/worker.ts" } }),
    build({
      ...common,
      // bench-raw-worker: plain transformers.js, the baseline `npm run bench` compares our engine with.
      entryPoints: { "engine-worker-wasm": "web/engine/worker-wasm.ts", "bench-raw-worker": "bench/device/raw-worker.ts" },
      alias: { [RUNTIMES.webgpu.ort]: RUNTIMES.wasm.ort },
    }),
  ]);
  workers.forEach(keep);
  // The page checks the worker's code against these before it runs it (web/engine/worker-code.ts).
  const pins = Object.fromEntries(["engine-worker.js", "engine-worker-wasm.js"].map((name) => [name, sha256(out.get(`assets/${name}`)!)]));
  keep(await build({ ...common, entryPoints: { demo: "web/demo/main.ts" }, define: workerPins(pins) }));
  return pins;
}

/** esbuild `define` for the engine workers' digests (web/engine/worker-code.ts). */
const workerPins = (pins: Record<string, string>) => ({ __DORMANT_ENGINE_WORKERS__: JSON.stringify(pins) });

/**
 * The package's code: the headless SDK and the element (code they share goes to a chunk), and its
 * types from tsc. No assets: the engine, model and runtime files stay on the asset origin (decisions/0010).
 */
async function library(pins: Record<string, string>): Promise<void> {
  const lib = join(ROOT, "web", "package", "lib");
  await rm(lib, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { index: "web/index.ts", element: "web/element/define.ts" },
    outdir: lib,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "warning",
    define: workerPins(pins),
  });
  await promisify(execFile)(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", join(ROOT, "web", "tsconfig.lib.json")]);
}

/** One ORT build's wasm as pinned files (in parts where it is over the asset limit) and its manifest. */
async function ortRuntime(out: Output, build: (typeof RUNTIMES)[keyof typeof RUNTIMES]): Promise<RuntimeManifest> {
  const require = createRequire(join(ROOT, "node_modules", "@huggingface", "transformers", "package.json"));
  const ortDir = dirname(require.resolve("onnxruntime-web/webgpu"));
  const version = (JSON.parse(await readFile(join(ortDir, "..", "package.json"), "utf8")) as { version: string }).version;
  const wasm = new Uint8Array(await readFile(join(ortDir, build.wasm)));
  const parts = [];
  const whole = wasm.length <= PART_BYTES;
  for (let offset = 0, index = 0; offset < wasm.length; offset += PART_BYTES, index++) {
    const part = wasm.subarray(offset, offset + PART_BYTES);
    const path = whole ? build.wasm : `${build.wasm}.part${index}`;
    out.set(`ort/${path}`, part);
    parts.push({ path, bytes: part.length, sha256: sha256(part) });
  }
  const runtime: RuntimeManifest = {
    runtime: "onnxruntime-web",
    version,
    file: build.wasm,
    bytes: wasm.length,
    sha256: sha256(wasm),
    parts,
  };
  out.set(`ort/${build.manifest}`, text(JSON.stringify(runtime, null, 2)));
  return runtime;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(OUT, join(e.parentPath, e.name)));
}

/**
 * Writes only what changed and removes only what is gone, never the folder: a `wrangler dev` may be
 * serving it (tests run `npm start` beside servers on the same web/dist).
 */
async function sync(out: Output): Promise<number> {
  let written = 0;
  for (const [path, bytes] of out) {
    const target = join(OUT, path);
    const current = await readFile(target).catch(() => null);
    if (current && Buffer.compare(current, bytes) === 0) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
    written++;
  }
  for (const path of await listFiles(OUT)) if (!out.has(path)) await rm(join(OUT, path));
  return written;
}

async function main(): Promise<void> {
  const started = performance.now();
  const out: Output = new Map();
  await library(await bundle(out));
  const runtime = await ortRuntime(out, RUNTIMES.webgpu);
  await ortRuntime(out, RUNTIMES.wasm);
  out.set("index.html", await readFile(join(ROOT, "web", "demo", "index.html")));
  out.set("assets/style.css", await readFile(join(ROOT, "web", "demo", "style.css")));
  // Exactly the pinned files: the manifest says what ships.
  const manifest = await readFile(join(ROOT, "models", "manifest.json"));
  out.set("models/manifest.json", manifest);
  for (const model of (JSON.parse(manifest.toString()) as ModelManifest).models) {
    for (const file of model.files)
      out.set(`models/${model.path}/${file.path}`, await readFile(join(ROOT, "models", model.path, file.path)));
  }
  // Cross-origin isolation lets ORT use SharedArrayBuffer (threaded WASM); manifests are never
  // cached by HTTP so a new pin is seen at once, while pinned files are verified by digest anyway.
  // The engine, model and runtime files are public and fetched by apps on other origins, isolated
  // or not: CORS for any origin (no credentials) and CORP cross-origin (decisions/0010).
  const shared = ["  ! Cross-Origin-Resource-Policy", "  Cross-Origin-Resource-Policy: cross-origin", "  Access-Control-Allow-Origin: *"];
  out.set(
    "_headers",
    text(
      [
        "/*",
        "  Cross-Origin-Opener-Policy: same-origin",
        "  Cross-Origin-Embedder-Policy: require-corp",
        "  Cross-Origin-Resource-Policy: same-origin",
        ...["/assets/*", "/models/*", "/ort/*"].flatMap((path) => [path, ...shared]),
        "/models/manifest.json",
        "  Cache-Control: no-store",
        "/ort/runtime.json",
        "  Cache-Control: no-store",
        "/ort/runtime-wasm.json",
        "  Cache-Control: no-store",
        "",
      ].join("\n"),
    ),
  );
  const written = await sync(out);
  // `--check-lock` (CI): refuse outputs that differ from the committed lock instead of updating it.
  await keepLock(ROOT, await lockFor(ROOT, out), process.argv.includes("--check-lock"));
  console.log(`web/dist: ${out.size} files, ${written} written, in ${Math.round(performance.now() - started)} ms (ort ${runtime.version})`);
}

await main();
