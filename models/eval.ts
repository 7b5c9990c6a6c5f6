// npm run models:eval [-- --dtype q8|fp32] [--limit N] [--set heldout|validation]
// Verifies the artifacts, then runs the model in Node on the held-out (or validation) set and prints the metrics.
import { parseArgs } from "node:util";
import { evaluate, loadEvalSet, NodeRunner } from "./evaluate.ts";
import { checkManifest } from "./manifest-check.ts";

const { values } = parseArgs({ options: { dtype: { type: "string", default: "q8" }, limit: { type: "string" }, set: { type: "string", default: "heldout" } } });
const dtype = values.dtype;
if (dtype !== "q8" && dtype !== "fp32") throw new Error("--dtype must be q8 or fp32");
const set = values.set;
if (set !== "heldout" && set !== "validation") throw new Error("--set must be heldout or validation");

const bad = (await checkManifest()).filter((check) => !check.ok);
if (bad.length > 0) {
  console.error(`invalid artifacts, refusing to evaluate: ${bad.map((b) => `${b.path} (${b.problem})`).join(", ")}`);
  process.exit(1);
}
const rows = await loadEvalSet(values.limit ? Number(values.limit) : undefined, set);
const runner = await NodeRunner.load(dtype);
const report = await evaluate(runner, rows);
await runner.dispose();
console.log(`model=dormant-agent-tiny dtype=${dtype} set=${set} tool_rows=${report.toolRows} chat_rows=${report.chatRows} decode_tokens_per_s=${report.tokensPerSecond.toFixed(0)}`);
for (const miss of report.misses.slice(0, 5)) console.log(`miss: ${miss}`);
console.log(`tool_call_exact_match=${report.toolCallExactMatch.toFixed(3)}`);
console.log(`final_answer_uses_result=${report.finalAnswerUsesResult.toFixed(3)}`);
console.log(`chat_answers_without_tool=${report.chatAnswersWithoutTool.toFixed(3)}`);
