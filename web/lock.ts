// The lock `npm run build` keeps: dormant.lock.json pins the model files, the files the browser
// loads (bundles, ORT's wasm and parts, their manifests), the SDK's modules, the platform's versions
// and compatibility settings, the policy schema and the protocol (src/protocol/lock.ts).

import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import {
  DATA_CLASSES,
  DEFAULT_POLICY,
  type DormantLock,
  HOSTED_MODES,
  LOCK_FILE,
  type LockedFile,
  lockDifferences,
  type ModelManifest,
  PROTOCOL_VERSION,
  PROVIDER_IDS,
  parseLock,
  RUNTIME_VERSION,
} from "../src/protocol/index.ts";

export const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const pinned = (bytes: Uint8Array): LockedFile => ({ bytes: bytes.length, sha256: sha256(bytes) });

/** A top-level `key = "value"` or `key = ["a", "b"]` of wrangler.toml (the part before any [section]). */
function tomlValue(toml: string, key: string): string | string[] {
  const top = toml.split(/^\[/m)[0]!;
  const line = new RegExp(`^${key}\\s*=\\s*(.+)$`, "m").exec(top);
  if (!line) throw new Error(`wrangler.toml has no top-level ${key}`);
  return JSON.parse(line[1]!.trim()) as string | string[];
}

/** The installed version of each of `names`, from package-lock.json. */
async function packageVersions(root: string, names: string[]): Promise<Record<string, string>> {
  const lock = JSON.parse(await readFile(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  return Object.fromEntries(
    names.map((name) => {
      const version = lock.packages[`node_modules/${name}`]?.version;
      if (!version) throw new Error(`package-lock.json does not pin ${name}`);
      return [name, version];
    }),
  );
}

/**
 * The lock for a build: `assets` are web/dist's files by path (source maps and model files, which
 * the models section pins, left out); the SDK's modules are read from web/package/lib.
 */
export async function lockFor(root: string, assets: ReadonlyMap<string, Uint8Array>): Promise<DormantLock> {
  const files: Record<string, LockedFile> = {};
  for (const [path, bytes] of [...assets].sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.endsWith(".map") && !path.startsWith("models/")) files[path] = pinned(bytes);
  }
  const lib = join(root, "web", "package", "lib");
  const modules = (await readdir(lib, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith(".js"));
  for (const entry of modules.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(entry.parentPath, entry.name);
    files[`package/lib/${relative(lib, path)}`] = pinned(await readFile(path));
  }
  const manifest = JSON.parse(await readFile(join(root, "models", "manifest.json"), "utf8")) as ModelManifest;
  const models: DormantLock["models"] = {};
  for (const model of manifest.models) {
    // The current revision under its id; a revision kept for older sessions under id@revision.
    models[model.id in models ? `${model.id}@${model.revision}` : model.id] = {
      revision: model.revision,
      files: Object.fromEntries(model.files.map((f) => [f.path, { bytes: f.bytes, sha256: f.sha256 }])),
    };
  }
  const toml = await readFile(join(root, "wrangler.toml"), "utf8");
  const { wrangler, workerd } = await packageVersions(root, ["wrangler", "workerd"]);
  return {
    lockVersion: 1,
    protocol: PROTOCOL_VERSION,
    runtime: RUNTIME_VERSION,
    policy: { defaults: DEFAULT_POLICY, hostedModes: HOSTED_MODES, providers: PROVIDER_IDS, dataClasses: DATA_CLASSES },
    platform: {
      wrangler: wrangler!,
      workerd: workerd!,
      compatibilityDate: tomlValue(toml, "compatibility_date") as string,
      compatibilityFlags: tomlValue(toml, "compatibility_flags") as string[],
    },
    models,
    files,
  };
}

/**
 * Writes the lock (a changed lock shows in the diff, like package-lock.json), or with `check`
 * (CI) fails listing each entry whose build output differs from the committed lock.
 */
export async function keepLock(root: string, lock: DormantLock, check: boolean): Promise<void> {
  const path = join(root, LOCK_FILE);
  const text = `${JSON.stringify(lock, null, 2)}\n`;
  if (!check) {
    await writeFile(path, text);
    return;
  }
  const committed = await readFile(path, "utf8").catch(() => null);
  const differences = committed === null ? [`${LOCK_FILE} is missing`] : lockDifferences(parseLock(JSON.parse(committed)), lock);
  if (differences.length > 0) {
    throw new Error(
      `the build's outputs differ from the committed ${LOCK_FILE} (run npm run build, review, commit):\n  ${differences.join("\n  ")}`,
    );
  }
}
