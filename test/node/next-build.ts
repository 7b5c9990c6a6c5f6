import { createHash } from "node:crypto";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ManifestModel, ModelManifest } from "../../src/protocol/index.ts";

// Deploy N+1 for the deploy tests: what `npm run build` makes of a models/manifest.json whose new
// revision of the model comes first and which keeps the current one for older sessions.

const DIST = join(process.cwd(), "web", "dist");

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** An ONNX file with a doc_string (ModelProto field 6) appended: other bytes, the same model. */
function retrained(onnx: Buffer, note: string): Buffer {
  const text = Buffer.from(note);
  return Buffer.concat([onnx, Buffer.from([0x32, text.length]), text]);
}

/** Deploy N+1's assets: N's files, a new revision of the model in its own folder, listed first. */
export function nextBuild(work: string): { dist: string; next: ManifestModel } {
  const dist = join(work, "dist-next");
  cpSync(DIST, dist, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(DIST, "models", "manifest.json"), "utf8")) as ModelManifest;
  const current = manifest.models[0]!;
  const next: ManifestModel = { ...current, path: `${current.path}-next`, revision: "next-revision", files: [] };
  cpSync(join(DIST, "models", current.path), join(dist, "models", next.path), { recursive: true });
  for (const file of current.files) {
    const bytes = readFileSync(join(DIST, "models", current.path, file.path));
    const out = file.path.endsWith(".onnx") ? retrained(bytes, "dormant N+1") : bytes;
    writeFileSync(join(dist, "models", next.path, file.path), out);
    next.files.push({ path: file.path, bytes: out.length, sha256: sha256(out) });
  }
  writeFileSync(join(dist, "models", "manifest.json"), JSON.stringify({ ...manifest, models: [next, ...manifest.models] }));
  return { dist, next };
}
