/** One benchmark: value at the baseline, value measured, and their ratio. */
export interface BenchRow {
  name: string;
  unit: string;
  baseline: number;
  measured: number;
  target: string;
  /** When each measured sample has a baseline sample taken next to it: the median of their ratios. */
  ratio?: number;
}

/** Rows measured together against one kind of baseline, under a title that says how. */
export interface BenchSection {
  title: string;
  baselineLabel: string;
  measuredLabel: string;
  rows: BenchRow[];
}

/** How a bench file hands a section to bench/reporter.ts (bench files run in workerd and in Node alike). */
export const SECTION_LINE = "dormant-bench-section ";

/** Reports rows; the run's reporter prints them in its runtime's one table and keeps them (bench/results/). */
export function reportRows(title: string, baselineLabel: string, measuredLabel: string, rows: BenchRow[]): void {
  console.log(SECTION_LINE + JSON.stringify({ title, baselineLabel, measuredLabel, rows } satisfies BenchSection));
}

function ratioOf(row: BenchRow): number {
  return row.ratio ?? row.measured / row.baseline;
}

/** One aligned table of several sections: each opens with a row naming it and its baseline. */
export function formatTable(sections: BenchSection[]): string {
  const header = ["benchmark", "unit", "baseline", "measured", "ratio", "target"];
  const body = sections.flatMap((s) => [
    [`${s.title}`, "", s.baselineLabel, s.measuredLabel, "", ""],
    ...s.rows.map((r) => [`  ${r.name}`, r.unit, r.baseline.toFixed(3), r.measured.toFixed(3), ratioOf(r).toFixed(3), r.target]),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

export function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
