import { Tensor } from "@huggingface/transformers";

/**
 * `model.generate` arguments for greedy decoding of one prompt: shared by the browser engine, the
 * Node eval and the bench baseline so all three run the model the same way.
 */
export function greedyInputs(ids: number[], maxNewTokens: number) {
  return {
    input_ids: new Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
    attention_mask: new Tensor("int64", new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
    max_new_tokens: maxNewTokens,
    do_sample: false,
  };
}

/** The ids `generate` added after the prompt. */
export function generatedIds(output: unknown, promptLength: number): number[] {
  return Array.from((output as Tensor).data as BigInt64Array, Number).slice(promptLength);
}
