import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { ManifestModel, ModelManifest } from "../src/protocol/index.ts";

export const MANIFEST_PATH = join(import.meta.dirname, "manifest.json");

export interface FileCheck {
  model: string;
  path: string;
  ok: boolean;
  problem: string | null;
  /** The file's sha256, when it was read and had the pinned size. */
  sha256: string | null;
}

export async function readManifest(path = MANIFEST_PATH): Promise<ModelManifest> {
  return JSON.parse(await readFile(path, "utf8")) as ModelManifest;
}

/** Re-hashes every file of every model; a missing file, a size or a sha256 mismatch is a problem. */
export async function checkManifest(path = MANIFEST_PATH): Promise<FileCheck[]> {
  const manifest = await readManifest(path);
  const checks: FileCheck[] = [];
  for (const model of manifest.models) {
    for (const file of model.files) checks.push(await checkFile(dirname(path), model, file));
  }
  return checks;
}

/** Re-hashes one file of `model` (under `root`) against `file`'s pin: its size and sha256. */
export async function checkFile(root: string, model: ManifestModel, file: ManifestModel["files"][number]): Promise<FileCheck> {
  const base = { model: model.id, path: file.path, sha256: null };
  let data: Buffer;
  try {
    data = await readFile(resolve(root, model.path, file.path));
  } catch {
    return { ...base, ok: false, problem: "missing" };
  }
  if (data.byteLength !== file.bytes) return { ...base, ok: false, problem: `size ${data.byteLength} ≠ ${file.bytes}` };
  const sha256 = createHash("sha256").update(data).digest("hex");
  if (sha256 !== file.sha256) return { ...base, sha256, ok: false, problem: `sha256 ${sha256} ≠ ${file.sha256}` };
  return { ...base, sha256, ok: true, problem: null };
}
