import { afterAll, beforeAll, expect, it } from "vitest";
import { closeBrowser } from "./browser.ts";
import { FAULTS } from "./faults.ts";
import { type CellResult, formatMatrix, runCell } from "./matrix.ts";
import { PATHS } from "./paths.ts";
import { ChaosStack } from "./stack.ts";

// The failure matrix on `npm start`'s stack: each fault against each path, scenario → expected →
// observed. `npm test` runs the fast cells; `npm run chaos` (DORMANT_CHAOS=full) runs them all.

const full = process.env.DORMANT_CHAOS === "full";
// DORMANT_CHAOS_ONLY=<regex> runs only the cells whose "fault × path" matches (a drill, a rerun).
const only = process.env.DORMANT_CHAOS_ONLY ? new RegExp(process.env.DORMANT_CHAOS_ONLY) : null;
const cells = FAULTS.flatMap((fault) =>
  (fault.paths ?? PATHS).filter((path) => full || fault.fast.includes(path)).map((path) => ({ fault, path })),
).filter(({ fault, path }) => !only || only.test(`${fault.name} × ${path}`));
const results: CellResult[] = [];
let stack: ChaosStack;

beforeAll(async () => {
  stack = await ChaosStack.start();
}, 120_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
  console.log(`\nFailure matrix (${full ? "full" : "fast subset; npm run chaos runs every cell"}):\n${formatMatrix(results)}`);
});

for (const { fault, path } of cells) {
  it(`${fault.name} × ${path}`, async () => {
    const result = await runCell(stack, fault, path);
    results.push(result);
    if (result.observed !== "n/a") expect(result.observed).toBe(result.expected);
  }, 180_000);
}
