import { AutoModelForCausalLM, AutoTokenizer, env } from "@huggingface/transformers";
import { type ChatMessage, modelPin, type ToolSpec } from "../../src/protocol/index.ts";
import { type CausalLM, greedyTurn, type Tokenizer } from "../../web/engine/greedy-turn.ts";
import { type VocabBytes, vocabBytes } from "../../web/engine/vocab.ts";
import { MODEL_ID, MODELS_DIR } from "../evaluate.ts";
import { readManifest } from "../manifest-check.ts";

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

  /** fp32: the server has the memory, and it is the most accurate variant we ship. */
  static async load(dtype: "fp32" | "q8" = "fp32"): Promise<HostedModel> {
    env.allowRemoteModels = false;
    env.localModelPath = `${MODELS_DIR}/`;
    const pinned = (await readManifest()).models.find((m) => m.id === MODEL_ID);
    if (!pinned) throw new Error(`${MODEL_ID} is not in the manifest`);
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
