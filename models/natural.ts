import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ChatMessage, Json, JsonObject, ToolCall } from "../src/protocol/index.ts";
import { evaluate as calculate } from "../src/tools/calculator.ts";
import { defaultTools } from "../src/tools/registry.ts";
import { spokenMath } from "../src/tools/spoken-math.ts";
import { resolveZone } from "../src/tools/zones.ts";
import { type NodeRunner, parse } from "./evaluate.ts";

/** One request as a person wrote it (models/eval/natural.jsonl, or any file in this format). */
export interface NaturalRow {
  prompt: string;
  kind: "tool" | "chat" | "out_of_scope";
  tool?: string;
  args?: Record<string, string>;
  /** Words the call's free-text arguments must contain. */
  keywords?: string[];
  /** Earlier messages of the conversation, in the chat format. */
  history?: ChatMessage[];
}

/**
 * The training generator's request wrappers (written by models/train/train.py from phrases.py),
 * each slot matching anything, each optionally dressed with one of its prefixes and suffixes. A
 * natural row must match none: then it measures skill, not memory of the templates.
 */
export async function loadTemplates(path = join(import.meta.dirname, "eval", "templates.json")): Promise<RegExp[]> {
  const { wrappers, prefixes, suffixes } = JSON.parse(await readFile(path, "utf8")) as {
    wrappers: string[];
    prefixes: string[];
    suffixes: string[];
  };
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const optional = (texts: string[]) => `(?:${texts.map(escapeRegExp).join("|")})?`;
  return wrappers.map(
    (w) =>
      new RegExp(
        `^${optional(prefixes)}${w
          .split(/\{[a-z]+\}/)
          .map(escapeRegExp)
          .join(".+")}${optional(suffixes)}$`,
        "is",
      ),
  );
}

export async function loadNatural(path: string): Promise<NaturalRow[]> {
  const rows = (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as NaturalRow);
  const templates = await loadTemplates();
  const copied = rows.filter((row) => templates.some((t) => t.test(row.prompt.trim())));
  if (copied.length > 0)
    throw new Error(`${path}: ${copied.length} rows match a training template, e.g. ${JSON.stringify(copied[0]!.prompt)}`);
  return rows;
}

export interface NaturalReport {
  valid_output: number;
  tool_name: number;
  tool_args: number;
  no_tool_for_chat: number;
  answer_uses_result: number;
  rows: number;
  misses: string[];
}

const lower = (value: Json | undefined) => String(value ?? "").toLowerCase();
const hasAll = (text: string, keywords: string[]) => keywords.every((k) => text.includes(k.toLowerCase()));

/** Whether a call (already parsed by its tool) does what the row asked: by value, zone, address and keywords. */
function argsMatch(row: NaturalRow, args: JsonObject): boolean {
  const want = row.args ?? {};
  switch (row.tool) {
    case "calculator":
      try {
        return calculate(String(args.expression)) === calculate(spokenMath(want.expression!));
      } catch {
        return false; // The model's expression does not evaluate.
      }
    case "clock":
      // Either name of a renamed zone is the same clock (Node lists Asia/Kolkata as Asia/Calcutta).
      return args.timezone === resolveZone(want.timezone!);
    case "send_email":
      return args.to === want.to && hasAll(`${lower(args.subject)} ${lower(args.body)}`, row.keywords ?? []);
    default:
      return hasAll(`${lower(args.title)} ${lower(args.body)}`, row.keywords ?? []);
  }
}

/** The call a correct answer would make, to score the answer on its own when the call was wrong. */
function referenceCall(row: NaturalRow): ToolCall {
  const k = row.keywords ?? [];
  const args: Record<string, JsonObject> = {
    calculator: { expression: row.args?.expression ?? "" },
    clock: { timezone: row.args?.timezone ?? "UTC" },
    send_email: { to: row.args?.to ?? "", subject: k[0] ?? "note", body: k.join(" ") },
    save_note: { title: k[0] ?? "note", body: k.join(" ") },
  };
  return { name: row.tool!, args: args[row.tool!]! };
}

/** A tool's real result (calculator, clock) or what the provider would say (notes, email), and what an answer must repeat. */
async function resultOf(call: ToolCall): Promise<{ result: Json; evidence: string[] }> {
  const tool = defaultTools.get(call.name)!;
  const args = tool.parseArgs(call.args);
  if (call.name === "save_note") return { result: { saved: true, notes: 3 }, evidence: [String(args.title)] };
  if (call.name === "send_email")
    return { result: { sent: true, messageId: "5b2e7c1a-93f4-4d0e-8a61-0c7d9e2f4b18" }, evidence: [String(args.to)] };
  const result = (await tool.execute(args, undefined as never)) as JsonObject;
  return { result, evidence: [String(call.name === "clock" ? result.time : result.value)] };
}

/** Scores one set the way the engine runs: constrained decoding over the tools the session offers each turn. */
export async function evaluateNatural(runner: NodeRunner, rows: NaturalRow[], constrained = true): Promise<NaturalReport> {
  const run = async (messages: ChatMessage[]) => {
    const generation = await runner.answer(messages, 96, constrained ? defaultTools.offer(messages) : null);
    return { text: generation.text, output: parse(generation.text) };
  };
  let valid = 0,
    names = 0,
    args = 0,
    quiet = 0,
    answered = 0,
    toolRows = 0;
  const misses: string[] = [];
  for (const row of rows) {
    const messages: ChatMessage[] = [...(row.history ?? []), { role: "user", content: row.prompt }];
    const { text, output } = await run(messages);
    const call = output?.kind === "tool_call" ? output.call : null;
    let parsedArgs: JsonObject | null = null;
    try {
      parsedArgs = call ? (defaultTools.get(call.name)?.parseArgs(call.args) ?? null) : null;
    } catch {
      parsedArgs = null;
    }
    const spec = call ? defaultTools.get(call.name)?.spec : undefined;
    const wellFormed =
      output !== null && (call === null || (spec !== undefined && Object.keys(call.args).join() === Object.keys(spec.args).join()));
    if (wellFormed) valid++;
    if (row.kind !== "tool") {
      if (output?.kind === "text") quiet++;
      else misses.push(`${row.kind} ${JSON.stringify(row.prompt)} → ${text}`);
      continue;
    }
    toolRows++;
    const rightName = call?.name === row.tool;
    if (rightName) names++;
    const rightArgs = rightName && parsedArgs !== null && argsMatch(row, parsedArgs);
    if (rightArgs) args++;
    else misses.push(`${row.tool} ${JSON.stringify(row.prompt)} → ${text}`);
    const used = rightArgs && call ? call : referenceCall(row);
    const { result, evidence } = await resultOf(used);
    const answer = await run([...messages, { role: "assistant", toolCall: used }, { role: "tool", name: used.name, content: result }]);
    const said = answer.output?.kind === "text" ? answer.output.text : null;
    if (said !== null && evidence.every((e) => said.includes(e))) answered++;
    else misses.push(`answer to ${JSON.stringify(row.prompt)} needs ${JSON.stringify(evidence)} → ${answer.text}`);
  }
  const chatRows = rows.length - toolRows;
  return {
    valid_output: valid / Math.max(1, rows.length),
    tool_name: names / Math.max(1, toolRows),
    tool_args: args / Math.max(1, toolRows),
    no_tool_for_chat: quiet / Math.max(1, chatRows),
    answer_uses_result: answered / Math.max(1, toolRows),
    rows: rows.length,
    misses,
  };
}
