import { DormantError } from "./errors.ts";
import type { DataPolicy } from "./policy.ts";
import { isRecord } from "./validate.ts";

/** A pinned file: its size and sha256. */
export interface LockedFile {
  bytes: number;
  sha256: string;
}

/**
 * `dormant.lock.json`: everything that executes or decides, pinned in one place. `npm run build`
 * writes it from its outputs; CI refuses a build whose outputs differ from the committed lock.
 */
export interface DormantLock {
  lockVersion: 1;
  /** The wire protocol and the runtime release that stamps every journal row. */
  protocol: number;
  runtime: string;
  /** The policy schema: its defaults and every value a policy may take. */
  policy: { defaults: DataPolicy; hostedModes: readonly string[]; providers: readonly string[]; dataClasses: readonly string[] };
  /** Where the control plane runs: the tool versions and the Worker's compatibility settings. */
  platform: { wrangler: string; workerd: string; compatibilityDate: string; compatibilityFlags: string[] };
  /**
   * Model files by model id, then by path inside the model's folder (as models/manifest.json pins
   * them). Revisions a deployment keeps serving to older sessions are keyed `id@revision`.
   */
  models: Record<string, { revision: string; files: Record<string, LockedFile> }>;
  /** Files the browser loads from the asset origin (bundles, ORT's wasm and parts, their manifests), and the SDK's modules, by path. */
  files: Record<string, LockedFile>;
}

export const LOCK_FILE = "dormant.lock.json";

export function parseLock(value: unknown): DormantLock {
  if (!isRecord(value) || value.lockVersion !== 1 || !isRecord(value.models) || !isRecord(value.files) || !isRecord(value.platform)) {
    throw new DormantError("misconfigured", `${LOCK_FILE} is not a lock this runtime reads (lockVersion 1)`);
  }
  return value as unknown as DormantLock;
}

/** What differs between two locks, one line per pinned entry (empty when they agree). */
export function lockDifferences(committed: DormantLock, built: DormantLock): string[] {
  const flat = (lock: DormantLock) => {
    const entries = new Map<string, string>();
    const { models, files, ...rest } = lock;
    for (const [key, value] of Object.entries(rest)) entries.set(key, JSON.stringify(value));
    for (const [id, model] of Object.entries(models)) {
      entries.set(`models/${id} revision`, model.revision);
      for (const [path, file] of Object.entries(model.files)) entries.set(`models/${id}/${path}`, JSON.stringify(file));
    }
    for (const [path, file] of Object.entries(files)) entries.set(path, JSON.stringify(file));
    return entries;
  };
  const a = flat(committed);
  const b = flat(built);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k) ?? "(absent)"} → ${b.get(k) ?? "(absent)"}`);
}
