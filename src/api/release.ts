import { currentRelease, DEVICE_MODEL_ID, DormantError, type ModelManifest, type ModelRelease } from "../protocol/index.ts";

/** A deployment's assets never change while it runs: one read of the manifest per isolate. */
let cached: Promise<ModelRelease> | null = null;

/**
 * The model revision this deployment serves, from its own `models/manifest.json` (the assets
 * deployed with this Worker version). A new session is pinned to it.
 */
export function deployedRelease(assets: Fetcher): Promise<ModelRelease> {
  cached ??= read(assets).catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}

async function read(assets: Fetcher): Promise<ModelRelease> {
  const response = await assets.fetch("https://assets.local/models/manifest.json");
  if (!response.ok) throw new DormantError("misconfigured", `this deployment serves no model manifest (HTTP ${response.status})`);
  return currentRelease((await response.json()) as ModelManifest, DEVICE_MODEL_ID);
}
