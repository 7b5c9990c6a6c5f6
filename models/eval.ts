// npm run models:eval [-- --dtype q8|fp32] [--limit N] [--set heldout|validation|natural|dev] [--file PATH] [--decoder constrained|free]
// Verifies the artifacts, then runs the model in Node and prints the metrics. `natural` (and any
// --file in its format) is scored as the engine runs: constrained decoding over the tools offered each
// turn. `dev` is a second hand-written set in that format, for training and decoding choices, so the
// natural set is only ever reported.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultTools } from "../src/tools/registry.ts";
import { evaluate, loadEvalSet, MODELS_DIR, NodeRunner } from "./evaluate.ts";
import { checkManifest } from "./manifest-check.ts";
import { evaluateNatural, loadNatural } from "./natural.ts";

const { values } = parseArgs({
  options: {
    dtype: { type: "string", default: "q8" },
    limit: { type: "string" },
    set: { type: "string", default: "heldout" },
    file: { type: "string" },
    decoder: { type: "string", default: "constrained" },
  },
});
const dtype = values.dtype;
if (dtype !== "q8" && dtype !== "fp32") throw new Error("--dtype must be q8 or fp32");
const set = values.file ? "file" : values.set;
if (!["heldout", "validation", "natural", "dev", "file"].includes(set))
  throw new Error("--set must be heldout, validation, natural or dev");
if (values.decoder !== "constrained" && values.decoder !== "free") throw new Error("--decoder must be constrained or free");
const limit = values.limit ? Number(values.limit) : Infinity;

const bad = (await checkManifest()).filter((check) => !check.ok);
if (bad.length > 0) {
  console.error(`invalid artifacts, refusing to evaluate: ${bad.map((b) => `${b.path} (${b.problem})`).join(", ")}`);
  process.exit(1);
}
const runner = await NodeRunner.load(dtype);
if (set === "natural" || set === "dev" || set === "file") {
  const path = values.file ?? join(MODELS_DIR, "eval", `${set}.jsonl`);
  const report = await evaluateNatural(runner, (await loadNatural(path)).slice(0, limit), values.decoder === "constrained");
  await runner.dispose();
  for (const miss of report.misses.slice(0, 8)) console.log(`miss: ${miss}`);
  const metrics = (["valid_output", "tool_name", "tool_args", "no_tool_for_chat", "answer_uses_result"] as const).map(
    (k) => `${k}=${report[k].toFixed(3)}`,
  );
  console.log(
    `model=dormant-agent-tiny dtype=${dtype} set=${values.file ?? set} decoder=${values.decoder} rows=${report.rows} ${metrics.join(" ")}`,
  );
} else {
  const report = await evaluate(
    runner,
    await loadEvalSet(limit, set as "heldout" | "validation"),
    values.decoder === "constrained" ? (messages) => defaultTools.offer(messages) : null,
  );
  await runner.dispose();
  console.log(
    `model=dormant-agent-tiny dtype=${dtype} set=${set} decoder=${values.decoder} tool_rows=${report.toolRows} chat_rows=${report.chatRows} decode_tokens_per_s=${report.tokensPerSecond.toFixed(0)}`,
  );
  for (const miss of report.misses.slice(0, 5)) console.log(`miss: ${miss}`);
  console.log(`tool_call_exact_match=${report.toolCallExactMatch.toFixed(3)}`);
  console.log(`final_answer_uses_result=${report.finalAnswerUsesResult.toFixed(3)}`);
  console.log(`chat_answers_without_tool=${report.chatAnswersWithoutTool.toFixed(3)}`);
}
