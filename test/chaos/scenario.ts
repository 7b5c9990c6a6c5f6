import type { LeaseOffer } from "../../src/protocol/index.ts";
import type { Reply } from "./device.ts";
import { type PathName, PathRun } from "./paths.ts";
import type { ChaosStack } from "./stack.ts";
import { type Facts, observe } from "./verdict.ts";

/** One fault: what each path should come out as (or why it does not apply), and how to cause it. */
export interface Fault {
  name: string;
  /** The paths this fault runs on in `npm test`; `npm run chaos` runs every path. */
  fast: readonly PathName[];
  /** The only paths it exists on (a boundary inside a tool); default all. */
  paths?: readonly PathName[];
  /** The expected facts on `path`, or the reason the fault has nothing to act on there. */
  expected(path: PathName): Facts | string;
  run(stack: ChaosStack, path: PathName): Promise<Facts>;
}

export const tenantFor = (fault: string, path: PathName) => (path === "webhook" ? "default" : `chaos-${fault}-${path}`.replace(/_/g, "-"));

/** The step a fault lands on: the turn's first offer, or on the tool path the one after the tool ran. */
const boundary = (path: PathName) => (offer: LeaseOffer) => (path === "tool" ? offer.messages.at(-1)?.role === "tool" : true);

/** The device answers normally, except the first offer at the boundary, which gets `reply`. */
export function once(run: PathRun, reply: Reply): void {
  let used = false;
  const at = boundary(run.path);
  run.client.script = (offer) => {
    if (used || !at(offer)) return run.normal(offer);
    used = true;
    return reply;
  };
}

/** The hosted server saw a new request (the hosted step is in flight). */
export const hostedCalled = async (stack: ChaosStack, before: number) =>
  stack.until(async () => ((await stack.hostedRequests()) > before ? true : undefined), "a hosted request");

/** The path's turn with nothing held: `setup` scripts the device (a failure, an unknown tool). */
export async function plain(stack: ChaosStack, fault: string, path: PathName, setup?: (run: PathRun) => void): Promise<Facts> {
  const run = await PathRun.open(stack, path, tenantFor(fault, path));
  setup?.(run);
  await run.start();
  await run.finish();
  return observe(run);
}

/** Holds the step at its boundary, does `fault`, then lets the client (re)connect and the turn finish. */
export async function interrupted(stack: ChaosStack, name: string, path: PathName, fault: (run: PathRun) => Promise<void>): Promise<Facts> {
  const run = await PathRun.open(stack, path, tenantFor(name, path));
  if (path === "hosted") {
    await stack.hostedFaults({ delayMs: 2500 });
    const before = await stack.hostedRequests();
    await run.start();
    await hostedCalled(stack, before);
  } else {
    once(run, "hold");
    await run.start();
    await run.heldOffer();
  }
  await fault(run);
  run.client.script = run.normal;
  await stack.hostedFaults({ delayMs: 0 }).catch(() => undefined);
  await run.finish();
  return observe(run);
}
