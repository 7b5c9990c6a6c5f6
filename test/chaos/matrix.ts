import type { PathName } from "./paths.ts";
import type { Fault } from "./scenario.ts";
import type { ChaosStack } from "./stack.ts";
import { describeFacts } from "./verdict.ts";

export interface CellResult {
  fault: string;
  path: PathName;
  expected: string;
  observed: string;
  ok: boolean;
  ms: number;
}

/** Runs one fault on one path and compares what happened with what should have, in the same words. */
export async function runCell(stack: ChaosStack, fault: Fault, path: PathName): Promise<CellResult> {
  const started = Date.now();
  const expected = fault.expected(path);
  if (typeof expected === "string") return { fault: fault.name, path, expected: `n/a: ${expected}`, observed: "n/a", ok: true, ms: 0 };
  const want = describeFacts(expected);
  let observed: string;
  try {
    observed = describeFacts(await fault.run(stack, path));
  } catch (error) {
    observed = `error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
  }
  return { fault: fault.name, path, expected: want, observed, ok: observed === want, ms: Date.now() - started };
}

/** scenario → expected → observed, one row per cell, as `npm run chaos` prints it. */
export function formatMatrix(results: CellResult[]): string {
  const rows = results.map((r) => [
    `${r.fault} × ${r.path}`,
    r.expected,
    r.observed,
    r.ok ? "ok" : "FAIL",
    `${(r.ms / 1000).toFixed(1)} s`,
  ]);
  const head = ["scenario", "expected", "observed", "", "time"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const failed = results.filter((r) => !r.ok).length;
  return [
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `${results.length} cells, ${results.filter((r) => r.observed === "n/a").length} not applicable, ${failed} not as expected`,
  ].join("\n");
}
