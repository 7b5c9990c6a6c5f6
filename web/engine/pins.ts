import {
  type DeviceBackend,
  type ManifestFile,
  type ManifestModel,
  type ModelManifest,
  type RuntimeManifest,
  shippedWhole,
  variantFiles,
} from "../../src/protocol/index.ts";
import type { ArtifactCache, PinnedFile } from "../cache/artifact-cache.ts";
import { ClientError } from "../errors.ts";
import type { Rung } from "./messages.ts";

async function fetchJson<T>(url: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch (error) {
    throw new ClientError("offline", `cannot reach ${url}`, { cause: error });
  }
  if (!response.ok) throw new ClientError("manifest_invalid", `${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The ORT build a worker was bundled with: where its manifest is and what it can run on. */
export interface RuntimeBuild {
  manifest: string;
  backends: readonly DeviceBackend[];
}

/**
 * What the engine may load, from our own origin: the model and runtime manifests (the last known
 * copy when offline), and each file as a URL with the digest and size it must have.
 */
export class Pins {
  constructor(
    private readonly baseUrl: string,
    private readonly modelId: string,
    private readonly runtimeManifest: string,
    private readonly cache: Pick<ArtifactCache, "lastKnown">,
  ) {}

  /** The model revision a session runs; null: the manifest's current (first) entry. */
  private revision: string | null = null;
  /** The revision the manifests last resolved to (what the engine's ladder and model are of). */
  private resolved: string | null = null;

  /** Selects the revision to load from now on (null: keep); true when that changes the model wanted. */
  select(revision: string | null): boolean {
    if (revision === null) return false;
    this.revision = revision;
    return this.resolved !== null && this.resolved !== revision;
  }

  url(path: string): string {
    return new URL(path, this.baseUrl).href;
  }

  async manifests(): Promise<{ model: ManifestModel; runtime: RuntimeManifest }> {
    const [manifest, runtime] = await Promise.all([
      this.cache.lastKnown(this.url("/models/manifest.json"), fetchJson<ModelManifest>),
      this.cache.lastKnown(this.url(this.runtimeManifest), fetchJson<RuntimeManifest>),
    ]);
    const model = manifest.models?.find((m) => m.id === this.modelId && (this.revision === null || m.revision === this.revision));
    if (!model && this.revision !== null) {
      // Its deployment no longer serves the files this conversation's model needs (decisions/0018).
      throw new ClientError(
        "manifest_invalid",
        `${this.baseUrl} no longer serves ${this.modelId} revision ${this.revision}, which this conversation runs`,
      );
    }
    if (!model) throw new ClientError("manifest_invalid", `model ${this.modelId} is not in the manifest`);
    this.resolved = model.revision;
    return { model, runtime };
  }

  pinned(model: ManifestModel, file: ManifestFile): PinnedFile {
    return { url: this.url(`/models/${model.path}/${file.path}`), sha256: file.sha256, bytes: file.bytes };
  }

  modelFiles(model: ManifestModel, rung: Rung): Map<string, PinnedFile> {
    return new Map(variantFiles(model, rung.dtype).map((file) => [file.path, this.pinned(model, file)]));
  }

  /** A runtime shipped whole is stored as wasm, so it can be compiled straight from the cache. */
  runtimeFiles(runtime: RuntimeManifest): PinnedFile[] {
    return runtime.parts.map((part) => ({
      url: this.url(`/ort/${part.path}`),
      sha256: part.sha256,
      bytes: part.bytes,
      ...(shippedWhole(runtime) ? { contentType: "application/wasm" } : {}),
    }));
  }
}
