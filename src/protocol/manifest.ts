/** models/manifest.json: what every consumer of a model (web cache, eval, hosted server) pins to. */
export interface ManifestFile {
  /** Relative to the model's folder. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface ModelVariant {
  dtype: "fp32" | "q8";
  /** The ONNX file this variant loads (one of `files`). */
  file: string;
  estimatedPeakBytes: number;
  estimate: string;
}

export interface ManifestModel {
  id: string;
  /** Folder of the model's files, relative to the manifest. */
  path: string;
  revision: string;
  architecture: { model_type: "gpt2"; n_layer: number; n_head: number; n_embd: number; vocab_size: number };
  contextLength: number;
  files: ManifestFile[];
  variants: ModelVariant[];
  training: Record<string, unknown>;
  provenance: string;
  licence: string;
}

export interface ModelManifest {
  manifestVersion: 1;
  models: ManifestModel[];
}

/** The pin stamped on journal rows and receipts: `id@sha256:<digest of the variant's ONNX file>`. */
export function modelPin(model: ManifestModel, dtype: ModelVariant["dtype"]): string {
  const variant = model.variants.find((v) => v.dtype === dtype);
  const file = model.files.find((f) => f.path === variant?.file);
  if (!variant || !file) throw new Error(`model ${model.id} has no ${dtype} variant`);
  return `${model.id}@sha256:${file.sha256}`;
}

/** The files a load of `dtype` uses: all of the model's, less the other variants' ONNX files. */
export function variantFiles(model: ManifestModel, dtype: ModelVariant["dtype"]): ManifestFile[] {
  const chosen = model.variants.find((v) => v.dtype === dtype)?.file;
  const others = new Set(model.variants.map((v) => v.file).filter((file) => file !== chosen));
  return model.files.filter((file) => !others.has(file.path));
}

/**
 * web/dist/ort/runtime.json (and runtime-wasm.json): an inference runtime's wasm, pinned like a
 * model, served in parts where it is over the asset limit.
 */
export interface RuntimeManifest {
  runtime: "onnxruntime-web";
  version: string;
  file: string;
  bytes: number;
  sha256: string;
  parts: ManifestFile[];
}

/** A runtime shipped as one file: its single part is the whole wasm (same digest). */
export function shippedWhole(runtime: RuntimeManifest): boolean {
  return runtime.parts.length === 1 && runtime.parts[0]!.sha256 === runtime.sha256;
}
