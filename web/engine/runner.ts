import { AutoModelForCausalLM, AutoTokenizer, env } from "@huggingface/transformers";
import type { ChatMessage, ManifestModel, ToolSpec } from "../../src/protocol/index.ts";
import { GarbledLogits } from "./garbled-logits.ts";
import { type CausalLM, greedyTurn, type Tokenizer } from "./greedy-turn.ts";
import type { EngineFault, Rung } from "./messages.ts";
import { type VocabBytes, vocabBytes } from "./vocab.ts";

/** Streamed text leaves the worker at most once a frame (60 Hz): a page cannot show it more often. */
const TEXT_EVENT_INTERVAL_MS = 16;
/** The transformers.js build this worker runs, reported with every step it computes. */
export const TRANSFORMERS_VERSION: string = env.version;

export interface Generation {
  text: string;
  tokens: number;
  decodeMs: number;
  firstTokenMs: number;
}

/**
 * Points transformers.js at verified model files only, keyed by their path inside the model folder;
 * ORT is already up on verified wasm (ort-runtime.ts). Nothing is fetched by the library.
 */
function useVerifiedModel(modelId: string, modelBase: string, files: ReadonlyMap<string, Uint8Array>): void {
  // "Local" is our own origin; every pinned file is answered by `customCache` before any fetch.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelBase;
  env.useBrowserCache = false;
  env.useWasmCache = false;
  env.useCustomCache = true;
  env.customCache = {
    async match(request: string | Request) {
      const key = typeof request === "string" ? request : request.url;
      for (const [path, bytes] of files) {
        if (key.endsWith(`${modelId}/${path}`))
          return new Response(bytes.slice().buffer, { headers: { "content-length": String(bytes.length) } });
      }
      return undefined;
    },
    async put() {
      // Our cache already holds the verified file; the library's copy would be unverified.
    },
  };
}

export class ModelRunner {
  private fault: EngineFault | null = null;
  private vocab: VocabBytes | null = null;

  private constructor(
    readonly rung: Rung,
    private readonly tokenizer: Tokenizer,
    private readonly model: CausalLM,
  ) {}

  /** `files`: the verified model files by path inside `modelBase`; not held once the session is built. */
  static async load(
    manifestModel: ManifestModel,
    rung: Rung,
    modelBase: string,
    files: ReadonlyMap<string, Uint8Array>,
  ): Promise<ModelRunner> {
    useVerifiedModel(manifestModel.id, modelBase, files);
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(manifestModel.id);
      const model = await AutoModelForCausalLM.from_pretrained(manifestModel.id, { device: rung.backend, dtype: rung.dtype });
      return new ModelRunner(rung, tokenizer, model);
    } finally {
      // The session has its own copy: the verified bytes may go (an idle unload then frees them).
      useVerifiedModel(manifestModel.id, modelBase, new Map());
    }
  }

  /** With `tools`, a tool call can only come out as a valid call of one of them (constrained.ts). */
  async generate(messages: ChatMessage[], maxNewTokens: number, tools: ToolSpec[], onText: (text: string) => void): Promise<Generation> {
    this.throwInjectedFault();
    this.vocab ??= vocabBytes(this.tokenizer.get_vocab());
    const started = performance.now();
    const turn = await greedyTurn(this.tokenizer, this.model, this.vocab, {
      messages,
      tools,
      contextLength: this.rung.contextLength,
      maxNewTokens,
      onText,
      textIntervalMs: TEXT_EVENT_INTERVAL_MS,
      before: (promptLength) => this.takeGarble(promptLength),
    });
    const decodeMs = performance.now() - started;
    return { text: turn.text, tokens: turn.ids.length, decodeMs, firstTokenMs: (turn.firstTokenAt || performance.now()) - started };
  }

  /**
   * `device_lost` destroys the real GPUDevice ORT uses; `oom` makes the next step fail to allocate;
   * `garbled_logits` pushes the next tool call toward invalid JSON.
   */
  injectFault(fault: EngineFault): void {
    if (fault === "device_lost") {
      const device = (env.backends.onnx.webgpu as { device?: { destroy(): void } } | undefined)?.device;
      device?.destroy();
    } else {
      this.fault = fault;
    }
  }

  /** `garbled_logits` applies to the next generation only. */
  private takeGarble(promptLength: number): GarbledLogits[] {
    if (this.fault !== "garbled_logits") return [];
    this.fault = null;
    return [new GarbledLogits(this.vocab!, promptLength)];
  }

  private throwInjectedFault(): void {
    const fault = this.fault;
    if (fault === "garbled_logits") return;
    this.fault = null;
    // device_lost needs no help: ORT's next run on the destroyed device fails by itself.
    if (fault === "oom") throw new RangeError("WebAssembly.Memory(): could not allocate memory (injected oom)");
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
