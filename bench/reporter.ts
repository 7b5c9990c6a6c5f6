import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { UserConsoleLog } from "vitest";
import { DefaultReporter, type TestModule, type TestRunEndReason } from "vitest/node";
import { type BenchSection, formatTable, SECTION_LINE } from "./table.ts";

/** A section as kept: which runtime measured it, on which machine, when. */
export interface KeptSection extends BenchSection {
  runtime: string;
  machine: string;
  measuredAt: string;
}

/** What bench/results/latest.json holds: the newest run of every section, whichever run measured it. */
export interface BenchResults {
  sections: KeptSection[];
}

/**
 * The default reporter, except that bench sections (bench/table.ts `reportRows`) are gathered and
 * printed at the end as one table per runtime (the vitest project that measured them: workerd,
 * device, hosted), and kept in `resultsPath`. A run of some files replaces only their sections.
 */
export class BenchReporter extends DefaultReporter {
  private readonly gathered: KeptSection[] = [];

  constructor(
    private readonly machine: string,
    private readonly resultsPath: string,
  ) {
    super();
  }

  override onUserConsoleLog(log: UserConsoleLog): void {
    // Vitest may hand over several console lines of a test at once.
    const lines = log.content.split("\n");
    const rest = lines.filter((line) => !line.startsWith(SECTION_LINE));
    const runtime = (log.taskId ? this.ctx.state.getReportedEntityById(log.taskId) : undefined)?.project.name ?? "unknown";
    for (const line of lines.filter((line) => line.startsWith(SECTION_LINE))) {
      const section = JSON.parse(line.slice(SECTION_LINE.length)) as BenchSection;
      this.gathered.push({ ...section, runtime, machine: this.machine, measuredAt: new Date().toISOString() });
    }
    if (rest.join("").trim() !== "") super.onUserConsoleLog({ ...log, content: rest.join("\n") });
  }

  override onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    errors: Parameters<DefaultReporter["onTestRunEnd"]>[1],
    reason: TestRunEndReason,
  ): void {
    super.onTestRunEnd(testModules, errors, reason);
    if (this.gathered.length === 0) return;
    const runtimes = [...new Set(this.gathered.map((s) => s.runtime))];
    const tables = runtimes.map(
      (runtime) => `\n${runtime} (${this.machine})\n${formatTable(this.gathered.filter((s) => s.runtime === runtime))}`,
    );
    this.log(tables.join("\n"));
    const kept = existsSync(this.resultsPath) ? (JSON.parse(readFileSync(this.resultsPath, "utf8")) as BenchResults).sections : [];
    const fresh = new Set(this.gathered.map((s) => s.title));
    const results: BenchResults = { sections: [...kept.filter((s) => !fresh.has(s.title)), ...this.gathered] };
    mkdirSync(dirname(this.resultsPath), { recursive: true });
    writeFileSync(this.resultsPath, `${JSON.stringify(results, null, 1)}\n`);
    this.log(`\nkept in ${this.relative(this.resultsPath)} (${results.sections.length} sections)`);
  }
}
