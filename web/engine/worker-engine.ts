import { type ManifestModel, modelPin, type RuntimeManifest } from "../../src/protocol/index.ts";
import { ArtifactCache, type CacheEvent, type PinnedFile } from "../cache/artifact-cache.ts";
import { ClientError } from "../errors.ts";
import { probeCapabilities } from "./capabilities.ts";
import { wasmHeapBytes } from "./heap-meter.ts";
import { canStepDown, planLadder, rungName, rungsAfter } from "./ladder.ts";
import type { EngineFault, EngineOptions, EngineState, GenerateResult, LoadedModel, Rung, StepRequest } from "./messages.ts";
import { startRuntime } from "./ort-runtime.ts";
import { MeasuredPeaks } from "./peak-memory.ts";
import { Pins, type RuntimeBuild } from "./pins.ts";
import { ModelRunner, TRANSFORMERS_VERSION } from "./runner.ts";
import { runtimeSource } from "./runtime-source.ts";

export interface EngineSink {
  cache(event: CacheEvent): void;
  state(state: EngineState): void;
  ladder(from: Rung, to: Rung | null, reason: string): void;
}

/**
 * The device side of inference, inside the Web Worker: pins from the manifests, verified bytes from
 * the cache, a ladder of ways to run, and the model unloaded again when idle.
 */
export class WorkerEngine {
  private readonly cache: ArtifactCache;
  private readonly pins: Pins;
  private readonly peaks: MeasuredPeaks;
  private rungs: Rung[] | null = null;
  private runner: ModelRunner | null = null;
  private loaded: LoadedModel | null = null;
  private unreportedColdStart = false;
  /** ORT starting or up on its verified runtime (ort-runtime.ts); null until a load starts it. */
  private runtimeStart: Promise<void> | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private fallbacks: string[] = [];

  constructor(
    private readonly options: EngineOptions,
    private readonly sink: EngineSink,
    runtime: RuntimeBuild,
  ) {
    this.cache = new ArtifactCache(options.cacheName ? { cacheName: options.cacheName } : {});
    this.peaks = new MeasuredPeaks(options.cacheName ?? "dormant-artifacts");
    this.pins = new Pins(options.baseUrl, options.modelId, runtime.manifest, this.cache);
  }

  async isCached(): Promise<boolean> {
    const { model, runtime } = await this.pins.manifests();
    const rung = (await this.ladder(model))[0];
    if (!rung) return false;
    return this.cache.isCached([...this.pins.modelFiles(model, rung).values(), ...this.pins.runtimeFiles(runtime)]);
  }

  async deleteCache(): Promise<void> {
    const { model, runtime } = await this.pins.manifests();
    const all = model.files.map((f) => this.pins.pinned(model, f));
    await this.cache.delete([...all, ...this.pins.runtimeFiles(runtime)]);
    this.sink.state({ status: "idle", cached: false });
  }

  private async ladder(model: ManifestModel): Promise<Rung[]> {
    if (this.rungs) return this.rungs;
    const cached = new Set<string>();
    for (const variant of model.variants) {
      const file = model.files.find((f) => f.path === variant.file);
      if (file && (await this.cache.isCached([this.pins.pinned(model, file)]))) cached.add(file.path);
    }
    const fallbackAllowed = this.options.device === "webgpu" || this.options.fallbackAdapter === "allow";
    const pins = new Map(model.variants.map((v) => [v.dtype, modelPin(model, v.dtype)]));
    const measured = await this.peaks.measured("wasm", pins).catch(() => new Map<string, number>());
    this.rungs = planLadder(model, this.options, { ...(await probeCapabilities(cached, fallbackAllowed)), wasmPeakBytes: measured });
    return this.rungs;
  }

  /**
   * Loads the best rung that works; each failure that a smaller rung may survive steps down.
   * `trigger`: the person chose to download ("chosen"), the page asked ("page") or a leased step
   * needs the model ("step"). Unless chosen, a download waits for the person when
   * `download` is "ask"; under "auto" a step still refuses to replace files the cache lost, so the
   * session can offer the person a choice instead (device_unavailable, reason cache_cleared).
   */
  async load(trigger: "chosen" | "page" | "step" = "page"): Promise<LoadedModel> {
    if (this.loaded) return this.loaded;
    const { model, runtime } = await this.pins.manifests();
    let last: unknown = null;
    for (let rung = (await this.ladder(model))[0]; rung; rung = this.rungs?.[0]) {
      try {
        this.sink.state({ status: "loading", rung });
        this.loaded = await this.loadRung(model, runtime, rung, trigger);
        this.unreportedColdStart = true;
        this.sink.state({ status: "ready", model: this.loaded });
        return this.loaded;
      } catch (error) {
        if (!canStepDown(rung, error)) {
          const typed = error instanceof ClientError ? error : new ClientError("model_load_failed", String(error), { cause: error });
          // Waiting for the person is not a failure: the needs_download state stands.
          if (typed.code !== "download_needed") this.sink.state({ status: "failed", error: typed.toJSON() });
          throw typed;
        }
        last = error;
        this.stepDown(rung, error);
      }
    }
    // No variant fits the storage left: say that (storage_full), not that the device cannot run it.
    if (last instanceof ClientError && last.code === "quota_exceeded") {
      this.sink.state({ status: "failed", error: last.toJSON() });
      throw last;
    }
    const reason = `no way to run ${model.id} on this device${this.fallbacks.length ? ` (${this.fallbacks.join("; ")})` : ""}`;
    this.sink.state({ status: "unavailable", reason });
    throw new ClientError("device_unavailable", reason);
  }

  private async loadRung(
    model: ManifestModel,
    runtime: RuntimeManifest,
    rung: Rung,
    trigger: "chosen" | "page" | "step",
  ): Promise<LoadedModel> {
    const files = this.pins.modelFiles(model, rung);
    // The runtime's files first: ORT starts on them while the model's are read or downloaded.
    const parts = this.runtimeStart ? [] : this.pins.runtimeFiles(runtime);
    const wanted = [...parts, ...files.values()];
    if (trigger !== "chosen" && (this.options.download ?? "ask") === "ask") {
      const plan = await this.cache.plan(wanted);
      if (plan.files > 0) {
        // Offer only what fits: a variant too big for the quota steps down here, before anyone is asked.
        await this.cache.ensureRoom(plan.bytes);
        this.sink.state({ status: "needs_download", ...plan });
        throw new ClientError("download_needed", `${plan.bytes} bytes of model files must be downloaded first`);
      }
    }
    const evicted = trigger === "step" ? "fail" : "download";
    const runtimeBytes = new Map<string, Uint8Array>();
    let started = this.runtimeStart;
    const verified = (file: PinnedFile, bytes: Uint8Array) => {
      if (!parts.includes(file)) return;
      runtimeBytes.set(file.url, bytes);
      if (runtimeBytes.size < parts.length) return;
      // Once per worker (ORT keeps its instance); a start that failed is tried again by the next load.
      const start = runtimeSource(runtime, parts, runtimeBytes, (f) => this.cache.entry(f)).then(startRuntime);
      started = this.runtimeStart = start.catch((error: unknown) => {
        this.runtimeStart = null;
        throw error;
      });
      started.catch(() => undefined); // a load failing meanwhile leaves it running
    };
    const loaded = await this.cache.load(wanted, (event) => this.sink.cache(event), { evicted, verified });
    const compileStarted = performance.now();
    await started;
    const verifiedModel = new Map([...files].map(([path, file]) => [path, loaded.files.get(file.url)!]));
    const runner = await ModelRunner.load(model, rung, this.pins.url("/models/"), verifiedModel);
    const compileMs = performance.now() - compileStarted;
    const warmupStarted = performance.now();
    try {
      await runner.generate([{ role: "user", content: "hi" }], 1, [], () => undefined);
    } catch (error) {
      await runner.dispose().catch(() => undefined);
      throw error;
    }
    const warmupMs = performance.now() - warmupStarted;
    this.runner = runner;
    return {
      ...rung,
      modelId: model.id,
      pin: modelPin(model, rung.dtype),
      // The ORT build is the pinned wasm verified above (or on an earlier load of this worker).
      versions: { onnxruntimeWeb: runtime.version, transformersJs: TRANSFORMERS_VERSION },
      coldStart: {
        connectMs: 0, // the client, which owns the socket, fills this in
        cacheLookupMs: loaded.cacheLookupMs,
        downloadMs: loaded.downloadMs,
        verifyMs: loaded.verifyMs,
        compileMs,
        warmupMs,
        firstTokenMs: 0,
        bytesDownloaded: loaded.bytesDownloaded,
        bytesFromCache: loaded.bytesFromCache,
      },
    };
  }

  private stepDown(from: Rung, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.rungs = rungsAfter(this.rungs ?? [], from, error);
    const to = this.rungs[0] ?? null;
    this.fallbacks.push(`${rungName(from)} → ${to ? rungName(to) : "none"}: ${reason.slice(0, 120)}`);
    this.sink.ladder(from, to, reason);
  }

  async generate({ messages, maxNewTokens, tools, revision }: StepRequest, onText: (text: string) => void): Promise<GenerateResult> {
    this.cancelIdle();
    this.fallbacks = [];
    try {
      // A session of another model revision: that revision's files and ladder, not the loaded model.
      if (this.pins.select(revision)) {
        await this.unload();
        this.rungs = null;
      }
      for (;;) {
        const model = await this.load("step");
        const runner = this.runner!;
        this.sink.state({ status: "generating", model });
        try {
          const generation = await runner.generate(messages, maxNewTokens, tools, onText);
          const coldStart = this.unreportedColdStart ? { ...model.coldStart, firstTokenMs: generation.firstTokenMs } : null;
          const heap = wasmHeapBytes();
          if (heap !== null && model.backend === "wasm") await this.peaks.record(model.pin, "wasm", heap).catch(() => undefined);
          this.unreportedColdStart = false;
          this.sink.state({ status: "ready", model });
          return { ...generation, model, coldStart, fallbacks: [...this.fallbacks], wasmHeapBytes: heap };
        } catch (error) {
          if (!canStepDown(runner.rung, error)) throw new ClientError("generation_failed", String(error), { cause: error });
          await this.unload();
          // ORT keeps one WebGPU context per instance: once it failed mid-run, only a fresh worker
          // (see Engine) gets a working runtime back.
          if (runner.rung.backend === "webgpu")
            throw new ClientError("device_lost", error instanceof Error ? error.message : String(error));
          this.stepDown(runner.rung, error);
        }
      }
    } finally {
      this.scheduleIdle();
    }
  }

  injectFault(fault: EngineFault): void {
    if (!this.runner) throw new ClientError("engine_unloaded", "no model is loaded to inject a fault into");
    this.runner.injectFault(fault);
  }

  async unload(): Promise<void> {
    this.cancelIdle();
    const runner = this.runner;
    this.runner = null;
    this.loaded = null;
    await runner?.dispose().catch(() => undefined);
    this.sink.state({ status: "idle", cached: null });
  }

  private scheduleIdle(): void {
    this.cancelIdle();
    this.idleTimer = setTimeout(() => void this.unload(), this.options.idleUnloadMs);
  }

  private cancelIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
