import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { AutoModelForCausalLM, AutoTokenizer, env, type LogitsProcessorList } from "@huggingface/transformers";
import {
  type AssistantOutput,
  type ChatMessage,
  DEVICE_MODEL_ID,
  parseAssistantOutput,
  type ToolCall,
  type ToolSpec,
} from "../src/protocol/index.ts";
import { defaultTools } from "../src/tools/registry.ts";
import { decodeTurn } from "../web/engine/decode-turn.ts";
import { generatedIds, greedyInputs } from "../web/engine/greedy-inputs.ts";
import type { CausalLM, Tokenizer } from "../web/engine/greedy-turn.ts";
import { fitPrompt } from "../web/engine/prompt-fit.ts";
import { type VocabBytes, vocabBytes } from "../web/engine/vocab.ts";
import { readManifest } from "./manifest-check.ts";

export const MODELS_DIR = import.meta.dirname;
export const MODEL_ID = DEVICE_MODEL_ID;

export interface EvalRow {
  messages: ChatMessage[];
  meta: { kind: "tool" | "chat"; tool?: string; evidence: string[] };
  /** Index of the evaluated turn's user message. */
  evalStart: number;
  /** PyTorch's own tokenization and greedy output for this prompt, written at training time. */
  reference?: { prompt: string; promptIds: number[]; greedyIds: number[] };
}

/** "heldout" is what we report; "validation" (another seed) is where training choices are made. */
export type EvalSet = "heldout" | "validation";

export async function loadEvalSet(limit = Infinity, set: EvalSet = "heldout"): Promise<EvalRow[]> {
  const text = await readFile(join(MODELS_DIR, "eval", `${set}.jsonl`), "utf8");
  return text
    .trim()
    .split("\n")
    .slice(0, limit)
    .map((line) => JSON.parse(line) as EvalRow);
}

export interface Generation {
  ids: number[];
  text: string;
  ms: number;
}

/** The shipped model through transformers.js on onnxruntime-node, greedy, stopping at <|end|>. */
export class NodeRunner {
  private readonly tokenizer: Tokenizer;
  private readonly model: CausalLM;
  private readonly contextLength: number;
  private vocab: VocabBytes | null = null;

  // Plain fields, no parameter properties: Node runs this file with type stripping only.
  private constructor(tokenizer: Tokenizer, model: CausalLM, contextLength: number) {
    this.tokenizer = tokenizer;
    this.model = model;
    this.contextLength = contextLength;
  }

  static async load(dtype: "fp32" | "q8"): Promise<NodeRunner> {
    env.allowRemoteModels = false;
    env.localModelPath = `${MODELS_DIR}/`;
    const tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
    const model = await AutoModelForCausalLM.from_pretrained(MODEL_ID, { dtype });
    const pinned = (await readManifest()).models.find((m) => m.id === MODEL_ID);
    if (!pinned) throw new Error(`${MODEL_ID} is not in the manifest`);
    return new NodeRunner(tokenizer, model, pinned.contextLength);
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false });
  }

  /** Greedy continuation of a raw prompt, never past the model's context (prompt + new tokens ≤ contextLength). */
  async generate(prompt: string, maxNewTokens = 96): Promise<Generation> {
    const ids = this.encode(prompt);
    if (ids.length >= this.contextLength)
      throw new Error(`prompt of ${ids.length} tokens leaves no room in a ${this.contextLength}-token context`);
    return this.decode(ids, maxNewTokens, {});
  }

  /**
   * A turn as the engine runs it: whole turns fitted to the context (oldest dropped first) and,
   * with `tools`, tool calls through the engine's constrained decoder.
   */
  async answer(messages: ChatMessage[], maxNewTokens = 96, tools: readonly ToolSpec[] | null = null): Promise<Generation> {
    const { ids } = fitPrompt((text) => this.encode(text), messages, this.contextLength, maxNewTokens);
    this.vocab ??= vocabBytes(this.tokenizer.get_vocab());
    return decodeTurn(this.vocab, tools, messages, ids.length, (processors) =>
      this.decode(ids, maxNewTokens, { logits_processor: processors }),
    );
  }

  private async decode(ids: number[], maxNewTokens: number, options: { logits_processor?: LogitsProcessorList }): Promise<Generation> {
    const started = performance.now();
    const output = await this.model.generate({ ...greedyInputs(ids, Math.min(maxNewTokens, this.contextLength - ids.length)), ...options });
    const ms = performance.now() - started;
    const generated = generatedIds(output, ids.length);
    return { ids: generated, text: this.tokenizer.decode(generated, { skip_special_tokens: false }), ms };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/**
 * Whether two calls do the same: one tool, and arguments its own `parseArgs` reads alike. A clock
 * call for "Tokyo" is the call for "Asia/Tokyo" (the session offers the shorter span, decisions/0008);
 * a note's title or an email's address still has to be exact.
 */
function sameCall(got: ToolCall, want: ToolCall): boolean {
  const read = (call: ToolCall) => {
    try {
      return defaultTools.get(call.name)?.parseArgs(call.args) ?? call.args;
    } catch {
      return call.args;
    }
  };
  return got.name === want.name && isDeepStrictEqual(read(got), read(want));
}

/** The model's output parsed, or null when it is not in the chat format. */
export function parse(text: string): AssistantOutput | null {
  try {
    return parseAssistantOutput(text);
  } catch {
    return null;
  }
}

export interface EvalReport {
  toolCallExactMatch: number;
  finalAnswerUsesResult: number;
  chatAnswersWithoutTool: number;
  toolRows: number;
  chatRows: number;
  tokensPerSecond: number;
  misses: string[];
}

/**
 * For each held-out tool turn: does the model call the right tool with exactly the right arguments,
 * and, given the tool's result, does its answer contain what the result says? Chat turns must be
 * answered without a tool call.
 */
/** `offer`: the tools each turn is decoded against (ToolRegistry.offer); null decodes unconstrained. */
export async function evaluate(
  runner: NodeRunner,
  rows: EvalRow[],
  offer: ((messages: ChatMessage[]) => ToolSpec[]) | null = null,
): Promise<EvalReport> {
  let calls = 0,
    answers = 0,
    chats = 0,
    toolRows = 0,
    chatRows = 0,
    tokens = 0,
    ms = 0;
  const misses: string[] = [];
  const run = async (messages: ChatMessage[]) => {
    const generation = await runner.answer(messages, 96, offer?.(messages) ?? null);
    tokens += generation.ids.length;
    ms += generation.ms;
    return { text: generation.text, output: parse(generation.text) };
  };
  for (const row of rows) {
    const turn = row.messages.slice(0, row.evalStart + 1);
    if (row.meta.kind === "chat") {
      chatRows++;
      const { text, output } = await run(turn);
      if (output?.kind === "text") chats++;
      else misses.push(`chat → ${text}`);
      continue;
    }
    toolRows++;
    const expected = (row.messages[row.evalStart + 1] as { toolCall: ToolCall }).toolCall;
    const call = await run(turn);
    if (call.output?.kind === "tool_call" && sameCall(call.output.call, expected)) calls++;
    else misses.push(`call ${JSON.stringify(expected)} → ${call.text}`);
    const answer = await run(row.messages.slice(0, row.evalStart + 3));
    const said = answer.output?.kind === "text" ? answer.output.text : null;
    if (said !== null && row.meta.evidence.every((evidence) => said.includes(evidence))) answers++;
    else misses.push(`answer needs ${JSON.stringify(row.meta.evidence)} → ${answer.text}`);
  }
  return {
    toolCallExactMatch: calls / Math.max(1, toolRows),
    finalAnswerUsesResult: answers / Math.max(1, toolRows),
    chatAnswersWithoutTool: chats / Math.max(1, chatRows),
    toolRows,
    chatRows,
    tokensPerSecond: (tokens / ms) * 1000,
    misses,
  };
}
