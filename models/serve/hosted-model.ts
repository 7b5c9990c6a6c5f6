import { AutoModelForCausalLM, AutoTokenizer, env, type TextStreamer } from "@huggingface/transformers";
import { type ChatMessage, modelPin, type ToolSpec } from "../../src/protocol/index.ts";
import { decodeTurn } from "../../web/engine/decode-turn.ts";
import { generatedIds, greedyInputs } from "../../web/engine/greedy-inputs.ts";
import { fitPrompt } from "../../web/engine/prompt-fit.ts";
import { TextSink } from "../../web/engine/text-sink.ts";
import { type VocabBytes, vocabBytes } from "../../web/engine/vocab.ts";
import { MODEL_ID, MODELS_DIR } from "../evaluate.ts";
import { readManifest } from "../manifest-check.ts";

type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
type CausalLM = Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>>;

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
      const encode = (text: string) => this.tokenizer.encode(text, { add_special_tokens: false });
      const { ids, room } = fitPrompt(encode, messages, this.contextLength, maxNewTokens);
      this.vocab ??= vocabBytes(this.tokenizer.get_vocab());
      const generated = await decodeTurn(
        this.vocab,
        tools.length > 0 ? tools : null,
        messages,
        ids.length,
        async (processors, streamed) => {
          const output = await this.model.generate({
            ...greedyInputs(ids, Math.min(maxNewTokens, room)),
            logits_processor: processors,
            streamer: new TextSink(this.tokenizer, streamed) as unknown as TextStreamer,
          });
          return generatedIds(output, ids.length);
        },
        { onText },
      );
      return this.tokenizer.decode(generated, { skip_special_tokens: false });
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
