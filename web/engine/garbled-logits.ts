import { LogitsProcessor, type Tensor } from "@huggingface/transformers";
import type { VocabBytes } from "./vocab.ts";

const BREAKS_JSON = new Set([0x7d, 0x22, 0x7b]); // } " {

/**
 * Chaos lever (engine fault `garbled_logits`): once the model has begun a tool call, pushes every
 * step toward tokens that break JSON (`}`, `"`, `{`, and ending the turn). Placed before the
 * constraint, it shows the constraint alone keeps a call valid.
 */
export class GarbledLogits extends LogitsProcessor {
  private readonly favoured: number[];
  private readonly promptLength: number;
  private readonly callToken: number;

  constructor(vocab: VocabBytes, promptLength: number) {
    super();
    this.favoured = vocab.bytes.flatMap((bytes, id) => (bytes?.some((b) => BREAKS_JSON.has(b)) ? [id] : [])).concat(vocab.end);
    this.promptLength = promptLength;
    this.callToken = vocab.call;
  }

  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    const generated = inputIds[0]!.slice(this.promptLength);
    if (generated.length === 0 || Number(generated[0]) !== this.callToken) return logits;
    const scores = (logits as unknown as Tensor[])[0]!.data as Float32Array;
    for (const id of this.favoured) scores[id]! += 50;
    return logits;
  }
}
