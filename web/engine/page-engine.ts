import { type ChatMessage, DEVICE_MODEL_ID, type ToolSpec } from "../../src/protocol/index.ts";
import { ClientError, toClientError } from "../errors.ts";
import { type GpuLike, probeWebGpu } from "./capabilities.ts";
import { HeldModel } from "./held-model.ts";
import { rungName } from "./ladder.ts";
import type { EngineEvent, EngineFault, EngineOptions, EngineRequest, EngineState, GenerateResult, LoadedModel } from "./messages.ts";
import { verifiedWorkerUrl } from "./worker-code.ts";

type Listener = (event: EngineEvent) => void;
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; onToken?: (text: string) => void };
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/**
 * The worker bundle to start: ORT's WASM-only build where WebGPU will not be used (its probe is the
 * worker's own), else the WebGPU-capable one, which also runs WASM (decisions/0014).
 */
async function workerEntry(options: EngineOptions): Promise<string> {
  if (options.device === "webgpu") return "engine-worker.js";
  if (options.device === "wasm") return "engine-worker-wasm.js";
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  return (await probeWebGpu(gpu, options.fallbackAdapter === "allow")).ok ? "engine-worker.js" : "engine-worker-wasm.js";
}

export const DEFAULT_ENGINE_OPTIONS = { modelId: DEVICE_MODEL_ID, device: "auto", dtype: "auto", idleUnloadMs: 5 * 60_000 } as const;

/**
 * The page-side handle of the engine worker: typed requests, streamed tokens, events. When the GPU
 * is lost mid-step the worker's ORT instance is unusable, so the engine replaces the worker with one
 * limited to WASM and runs the step again there.
 */
export class Engine {
  private worker!: Promise<Worker>;
  /** The options the current worker was started with; set again when a replacement starts. */
  private spawned!: EngineOptions;
  /** The worker's script never ran (offline, blocked): the next request starts a fresh one. */
  private stillborn = false;
  private readonly options: EngineOptions;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<Listener>();
  private nextId = 1;
  private readonly held: HeldModel;
  state: EngineState = { status: "idle", cached: null };

  constructor(options: Partial<EngineOptions> & { baseUrl: string }) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...options };
    this.held = new HeldModel(this.options.baseUrl, this.options.modelId);
    this.spawn(this.options);
  }

  /** Requests sent before the worker exists wait for it, in order. */
  private spawn(options: EngineOptions): void {
    this.spawned = options;
    this.stillborn = false;
    const worker = workerEntry(options).then(async (entry) => {
      const url = new URL(`/assets/${entry}`, new URL(options.baseUrl, location.href));
      const code = await verifiedWorkerUrl(url);
      const worker = new Worker(code, { type: "module", name: "dormant-engine" });
      let started = false;
      worker.addEventListener("message", (event: MessageEvent<EngineEvent>) => {
        // Its module has been read once it answers: the verified copy need not stay in memory.
        if (!started) URL.revokeObjectURL(code);
        started = true;
        this.receive(event.data);
      });
      // A worker that failed before it could answer never will: what waits on it would wait forever.
      worker.addEventListener("error", (event) => {
        if (!started)
          this.failedToStart(
            new ClientError("model_load_failed", `the on-device engine could not start: ${event.message || url.href}`),
            worker,
          );
      });
      return worker;
    });
    // Its code unreachable or not the pinned bundle: nothing was run.
    worker.catch((error: unknown) => this.failedToStart(toClientError(error, "model_load_failed")));
    this.worker = worker;
    // Should the worker not start, the requests after this one say so.
    this.request({ type: "configure", options }).catch(() => undefined);
  }

  private failedToStart(error: ClientError, worker?: Worker): void {
    worker?.terminate();
    this.stillborn = true;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.receive({ type: "state", state: { status: "failed", error: error.toJSON() } });
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private receive(event: EngineEvent): void {
    if (event.type === "state") {
      event = { type: "state", state: this.remembered(event.state) };
      this.state = event.state;
    }
    if (event.type === "token") this.pending.get(event.id)?.onToken?.(event.text);
    if (event.type === "reply") {
      const pending = this.pending.get(event.id);
      this.pending.delete(event.id);
      if (event.ok) pending?.resolve(event.value);
      else pending?.reject(toClientError(event.error, "generation_failed"));
    }
    this.emit(event);
  }

  /** The worker sees only what survived in quota-managed storage; this page remembers more. */
  private remembered(state: EngineState): EngineState {
    if (state.status === "ready") this.held.remember(state.model.pin);
    if (state.status === "needs_download" && !state.returning && this.held.held()) return { ...state, returning: true };
    return state;
  }

  private request<T>(message: WithoutId<EngineRequest>, onToken?: (text: string) => void): Promise<T> {
    if (this.stillborn) this.spawn(this.spawned);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, ...(onToken ? { onToken } : {}) });
      // A worker that never started rejects this request through failedToStart.
      this.worker.then((worker) => worker.postMessage({ ...message, id } as EngineRequest)).catch(() => undefined);
    });
  }

  /** Loads the model; `download: true` when the person chose to download what is missing (EngineOptions.download). */
  load(options: { download?: boolean } = {}): Promise<LoadedModel> {
    return this.request({ type: "load", download: options.download ?? false });
  }

  async generate(
    messages: ChatMessage[],
    options: { maxNewTokens?: number; onToken?: (text: string) => void; tools?: ToolSpec[]; revision?: string | null } = {},
  ): Promise<GenerateResult> {
    const step = { messages, maxNewTokens: options.maxNewTokens ?? 96, tools: options.tools ?? [], revision: options.revision ?? null };
    const run = () => this.request<GenerateResult>({ type: "generate", ...step }, options.onToken);
    const from = this.state.status === "ready" || this.state.status === "generating" ? this.state.model : null;
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ClientError && error.code === "device_lost") || this.options.device === "webgpu") throw error;
      this.terminateWorker(error);
      this.spawn({ ...this.options, device: "wasm" });
      const result = await run();
      const fallback = `${from ? rungName(from) : "webgpu"} → ${rungName(result.model)}: ${error.message.slice(0, 120)}`;
      if (from) this.emit({ type: "ladder", from, to: result.model, reason: error.message });
      return { ...result, fallbacks: [fallback, ...result.fallbacks] };
    }
  }

  unload(): Promise<void> {
    return this.request({ type: "unload" });
  }

  isCached(): Promise<boolean> {
    return this.request({ type: "cache.status" });
  }

  deleteCache(): Promise<void> {
    return this.request({ type: "cache.delete" });
  }

  injectFault(fault: EngineFault): Promise<void> {
    return this.request({ type: "fault", fault });
  }

  private terminateWorker(reason: Error): void {
    this.worker.then((worker) => worker.terminate()).catch(() => undefined);
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
  }

  terminate(): void {
    this.terminateWorker(new ClientError("engine_unloaded", "engine terminated"));
  }
}
