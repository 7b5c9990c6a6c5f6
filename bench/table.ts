/** Prints benchmark rows as an aligned table: value at the baseline, value measured, and their ratio. */
export interface BenchRow {
  name: string;
  unit: string;
  baseline: number;
  measured: number;
  target: string;
  /** When each measured sample has a baseline sample taken next to it: the median of their ratios. */
  ratio?: number;
}

export function printTable(title: string, baselineLabel: string, measuredLabel: string, rows: BenchRow[]): void {
  const header = ["benchmark", "unit", baselineLabel, measuredLabel, "ratio", "target"];
  const body = rows.map((r) => [
    r.name,
    r.unit,
    r.baseline.toFixed(3),
    r.measured.toFixed(3),
    (r.ratio ?? r.measured / r.baseline).toFixed(3),
    r.target,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log([`\n${title}`, line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n"));
}

export function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
