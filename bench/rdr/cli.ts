// npm run rdr [-- --burst <events/s> --sessions <n> --hours <h/day> --hosted-share <0..1> --out <dir>]:
// the Runtime Decision Record from the repository's own files, offline (decisions/0017).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Burst } from "./cost.ts";
import { ROOT, repositoryInputs } from "./inputs.ts";
import { buildRecord } from "./record.ts";
import { renderRecord } from "./render.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      burst: { type: "string" },
      sessions: { type: "string", default: "1000" },
      hours: { type: "string", default: "1" },
      "hosted-share": { type: "string", default: "0.1" },
      out: { type: "string", default: join(ROOT, "decisions") },
    },
  });
  const burst: Burst | null = values.burst
    ? {
        eventsPerSecond: Number(values.burst),
        sessions: Number(values.sessions),
        hoursPerDay: Number(values.hours),
        hostedShare: Number(values["hosted-share"]),
        neuronsPerHostedStep: 30,
        hostedStepSeconds: 2,
      }
    : null;
  if (burst && Object.values(burst).some((v) => !Number.isFinite(v) || v < 0))
    throw new Error("--burst, --sessions, --hours and --hosted-share take non-negative numbers");
  const record = buildRecord(await repositoryInputs(), burst);
  await writeFile(join(values.out, "runtime-decision-record.json"), `${JSON.stringify(record, null, 2)}\n`);
  await writeFile(join(values.out, "runtime-decision-record.md"), renderRecord(record));
  console.log(
    `runtime decision record: ${record.answers.length} questions, ${record.violations.length} violations${record.cost ? `, ${record.cost.total.toFixed(2)} USD/month at ${burst!.eventsPerSecond} events/s` : ""} → ${values.out}`,
  );
  for (const v of record.violations) console.log(`  violation: ${v.rule}: ${v.detail}`);
}

await main();
