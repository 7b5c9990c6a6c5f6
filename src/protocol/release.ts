import { DormantError } from "./errors.ts";
import { type ModelManifest, modelPin } from "./manifest.ts";

/** The model a device runs for a session (the one we train, models/manifest.json). */
export const DEVICE_MODEL_ID = "dormant-agent-tiny";

/**
 * The model a session was created under: the deployment's current revision of its model, and the
 * pins (one per variant) a device may stamp its steps with. Recorded at creation and kept across
 * deploys and rollbacks, so one conversation is never answered by two models (decisions/0018).
 */
export interface ModelRelease {
  model: string;
  revision: string;
  pins: string[];
}

/**
 * The release a new session gets from a deployment's model manifest: the first entry for `modelId`
 * is its current revision (later entries of the same id are revisions kept for older sessions).
 */
export function currentRelease(manifest: ModelManifest, modelId: string): ModelRelease {
  const model = manifest.models?.find((m) => m.id === modelId);
  if (!model) throw new DormantError("misconfigured", `this deployment's model manifest has no ${modelId}`);
  return { model: model.id, revision: model.revision, pins: model.variants.map((v) => modelPin(model, v.dtype)) };
}

/** A device's answer must come from the session's model; null (a session from before releases): any. */
export function checkDevicePin(release: ModelRelease | null, pin: string): void {
  if (!release || release.pins.includes(pin)) return;
  throw new DormantError(
    "model_mismatch",
    `this session runs ${release.model} revision ${release.revision} (${release.pins.join(" or ")}); a step stamped ${pin} was computed by another model`,
  );
}
