import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AutoModelForCausalLM, AutoTokenizer, env } from "@huggingface/transformers";
import {
  type ChatMessage,
  DormantError,
  type DormantLock,
  LOCK_FILE,
  type ManifestModel,
  modelPin,
  parseLock,
  type ToolSpec,
  variantFiles,
} from "../../src/protocol/index.ts";
import { type CausalLM, greedyTurn, type Tokenizer } from "../../web/engine/greedy-turn.ts";
import { type VocabBytes, vocabBytes } from "../../web/engine/vocab.ts";
import { MODEL_ID, MODELS_DIR } from "../evaluate.ts";
import { checkFile, readManifest } from "../manifest-check.ts";

export async function readLock(path = join(MODELS_DIR, "..", LOCK_FILE)): Promise<DormantLock> {
  return parseLock(JSON.parse(await readFile(path, "utf8")));
}

/**
 * Hashes the files a load of `dtype` reads against the lock (the check `npm run models:verify`
 * makes against the manifest). The library then reads them from disk again (onnxruntime-node opens
 * the ONNX file by path); what this catches is a file at rest that is not the one pinned (a bad
 * copy, a swapped checkpoint), not a writer racing the load.
 */
async function verifyFiles(lock: DormantLock, model: ManifestModel, dtype: "fp32" | "q8", dir: string): Promise<void> {
  const locked = lock.models[model.id];
  if (!locked) throw new DormantError("misconfigured", `${LOCK_FILE} does not pin ${model.id}`);
  for (const { path } of variantFiles(model, dtype)) {
    const pin = locked.files[path];
    const check = await checkFile(dir, model, { path, bytes: pin?.bytes ?? -1, sha256: pin?.sha256 ?? "" });
    if (!check.ok) {
      throw new DormantError(
        "misconfigured",
        `${model.id}/${path} does not match ${LOCK_FILE} (${check.sha256 === null ? check.problem : `sha256 ${check.sha256}`}, pinned ${pin?.sha256 ?? "nothing"}): refusing to serve it`,
      );
    }
  }
}

/** Our shipped model on onnxruntime-node, streaming, one generation at a time. */
export class HostedModel {
  private queue: Promise<unknown> = Promise.resolve();
  readonly pin: string;
  private readonly tokenizer: Tokenizer;
  private readonly model: CausalLM;
  private readonly contextLength: number;
  private vocab: VocabBytes | null = null;

  // Plain fields, no parameter properties: Node runs this file with type stripping only.
  private constructor(tokenizer: Tokenizer, model: CausalLM, contextLength: number, pin: string) {
    this.tokenizer = tokenizer;
    this.model = model;
    this.contextLength = contextLength;
    this.pin = pin;
  }

  /**
   * fp32: the server has the memory, and it is the most accurate variant we ship. The weights are
   * verified against the lock first: a file that differs refuses the load (`misconfigured`).
   */
  static async load(dtype: "fp32" | "q8" = "fp32", options: { modelsDir?: string; lock?: DormantLock } = {}): Promise<HostedModel> {
    const dir = options.modelsDir ?? MODELS_DIR;
    const pinned = (await readManifest(join(dir, "manifest.json"))).models.find((m) => m.id === MODEL_ID);
    if (!pinned) throw new Error(`${MODEL_ID} is not in the manifest`);
    await verifyFiles(options.lock ?? (await readLock()), pinned, dtype, dir);
    env.allowRemoteModels = false;
    env.localModelPath = `${dir}/`;
    const tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
    const model = await AutoModelForCausalLM.from_pretrained(MODEL_ID, { dtype });
    return new HostedModel(tokenizer, model, pinned.contextLength, modelPin(pinned, dtype));
  }

  /**
   * Greedy continuation of `messages`; `onText` gets each decoded piece as it is generated. With
   * `tools`, decoding is constrained as on the device: a tool call can only be a valid one.
   */
  generate(messages: ChatMessage[], maxNewTokens: number, tools: ToolSpec[], onText: (text: string) => void): Promise<string> {
    const run = async () => {
      this.vocab ??= vocabBytes(this.tokenizer.get_vocab());
      const request = { messages, tools, contextLength: this.contextLength, maxNewTokens, onText };
      return (await greedyTurn(this.tokenizer, this.model, this.vocab, request)).text;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
