import { FAILPOINTS, type FailpointName } from "../../src/session/failpoints.ts";
import { RESEND_AFTER_MS } from "../../src/triggers/admission.ts";
import { PathRun } from "./paths.ts";
import { type Fault, interrupted } from "./scenario.ts";
import { type ChaosStack, killTenant } from "./stack.ts";
import { type Facts, observe, recovered } from "./verdict.ts";

// SIGKILL of the whole stack (wrangler, workerd, the hosted server) at a step boundary, then the
// stack again on the same state; the client reconnects as the SDK would.

/** The approved email's tool stops at `point` and the stack dies there. */
async function killInTool(stack: ChaosStack, point: FailpointName): Promise<Facts> {
  const run = await PathRun.open(stack, "tool", killTenant(point));
  await run.start();
  const requested = await stack.until(async () => (await run.journal()).find((e) => e.type === "approval.requested"), "approval");
  void run.api(`/operations/${requested.opKey}/approve`, { method: "POST", body: "{}" }).catch(() => undefined);
  await stack.until(() => (stack.output().includes(`failpoint reached: ${point}@${run.tenant}`) ? true : undefined), point);
  stack.spend(run.tenant);
  await stack.killAndRestart();
  await run.client.connect();
  await run.finish();
  return observe(run);
}

/** Where the effect was in flight when the stack died, the session must say it cannot know (then ask the mail provider). */
const UNCERTAIN_AT: readonly FailpointName[] = ["tool.before_effect", "tool.after_effect"];

const toolBoundary = (point: FailpointName): Fault => ({
  name: `sigkill@${point}`,
  fast: [],
  paths: ["tool"],
  expected: (path) => recovered({ path }, UNCERTAIN_AT.includes(point) ? { uncertain: 1 } : {}),
  run: (stack) => killInTool(stack, point),
});

export const KILLS: Fault[] = [
  {
    // The step offered and not yet answered (on the tool path: the email sent, not yet recorded).
    name: "sigkill",
    fast: ["device", "tool"],
    expected: (path) => recovered({ path }, path === "tool" ? { uncertain: 1 } : {}),
    run: async (stack, path) => {
      if (path === "tool") return killInTool(stack, "tool.after_effect");
      return interrupted(stack, "sigkill", path, async (run) => {
        await stack.killAndRestart();
        await run.client.connect();
      });
    },
  },
  ...FAILPOINTS.filter((point) => point !== "tool.after_effect").map(toolBoundary),
  {
    // Accepted (202) and queued, not yet delivered: wrangler dev's queue loses it with the process,
    // and the tenant gate queues it again once it is overdue (RESEND_AFTER_MS).
    name: "sigkill@queued",
    fast: [],
    paths: ["webhook"],
    expected: (path) => recovered({ path }),
    run: async (stack, path) => {
      const run = await PathRun.open(stack, path);
      await run.start();
      await stack.killAndRestart();
      await run.client.connect();
      await run.finish(RESEND_AFTER_MS + 30_000);
      return observe(run);
    },
  },
];
