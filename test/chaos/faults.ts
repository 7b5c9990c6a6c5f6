import { type DeviceUnavailableReason, ERROR_STATUS } from "../../src/protocol/index.ts";
import { BROWSER_FAULTS } from "./browser.ts";
import { fuzzFrames } from "./fuzz.ts";
import { KILLS } from "./kills.ts";
import { callOf, EMAIL, type PathName, PathRun } from "./paths.ts";
import { type Fault, hostedCalled, interrupted, once, plain, tenantFor } from "./scenario.ts";
import { observe, recovered } from "./verdict.ts";

/** Each device fault as it reaches the session: the reason the SDK's device role sends (web/client/device-role.ts). */
const DEVICE_FAULTS: Record<string, DeviceUnavailableReason> = {
  webgpu_device_lost: "device_lost",
  out_of_memory: "memory_pressure",
  cache_evicted: "cache_cleared",
  tampered_artifact: "invalid_artifact",
};
/** In `npm test`: eviction on a device turn, device loss on a webhook turn. */
const FAST_DEVICE_FAULTS: Record<string, PathName[]> = { cache_evicted: ["device"], webgpu_device_lost: ["webhook"] };
const NO_DEVICE = "this path's device cannot run the model at all: every step is hosted";

export const FAULTS: Fault[] = [
  ...KILLS,
  {
    name: "network_cut",
    fast: ["device", "hosted"],
    expected: (path) => recovered({ path }),
    run: (stack, path) =>
      interrupted(stack, "network_cut", path, async (run) => {
        stack.proxy.blackhole();
        await run.client.connect();
      }),
  },
  {
    name: "hosted_5xx",
    fast: ["hosted"],
    expected: (path) => recovered({ path }),
    run: async (stack, path) => {
      await stack.hostedFaults({ failNext: 1 });
      try {
        return await plain(stack, "hosted_5xx", path);
      } finally {
        await stack.hostedFaults({ failNext: 0 });
      }
    },
  },
  {
    name: "hosted_hang",
    fast: [],
    expected: (path) => recovered({ path }),
    run: async (stack, path) => {
      // Longer than the provider's 30 s timeout; the retry after it is answered at once.
      await stack.hostedFaults({ delayMs: 35_000 });
      try {
        if (path !== "hosted") return await plain(stack, "hosted_hang", path);
        // The default lease (120 s) outlasts the provider's timeout: the timeout, not the lease, moves the step.
        const run = await PathRun.open(stack, path, tenantFor("hosted_hang", path), 120);
        const before = await stack.hostedRequests();
        await run.start();
        await hostedCalled(stack, before);
        await stack.hostedFaults({ delayMs: 0 });
        await run.finish(90_000);
        return await observe(run);
      } finally {
        await stack.hostedFaults({ delayMs: 0 });
      }
    },
  },
  ...Object.entries(DEVICE_FAULTS).map(
    ([name, reason]): Fault => ({
      name,
      fast: FAST_DEVICE_FAULTS[name] ?? [],
      expected: (path) => (path === "hosted" ? NO_DEVICE : recovered({ path }, { ranOn: "hosted", consentAsked: true })),
      run: (stack, path) => plain(stack, name, path, (run) => once(run, { unavailable: reason })),
    }),
  ),
  ...BROWSER_FAULTS,
  {
    name: "tool_unavailable",
    fast: ["tool"],
    expected: (path) =>
      path === "hosted" ? "the hosted model's calls are its own: no call to make unavailable" : recovered({ path }, { toolRefused: 1 }),
    run: (stack, path) =>
      plain(stack, "tool_unavailable", path, (run) => {
        run.client.script = (offer) => {
          const last = offer.messages.at(-1);
          if (last?.role === "user") return { output: callOf("book_flight", { to: "LIS" }) };
          if (path === "tool" && last?.role === "tool" && last.name === "book_flight") return { output: callOf("send_email", EMAIL) };
          return { output: "Done.<|end|>" };
        };
      }),
  },
  {
    name: "fuzzed_frames",
    fast: ["device"],
    expected: (path) => recovered({ path }, { fuzz: "1000 frames → 1000 typed errors, socket open, 0 rows" }),
    run: async (stack, path) => {
      let fuzz = "";
      const facts = await interrupted(stack, "fuzzed_frames", path, async (run) => {
        const [frames, rows] = [run.client.frames.length, (await run.journal()).length];
        const sent = fuzzFrames(1000);
        for (const frame of sent) run.client.send(frame);
        const errors = await stack.until(() => {
          const seen = run.client.frames.slice(frames).filter((f) => f.type === "error");
          return seen.length >= sent.length ? seen : undefined;
        }, "an error for every fuzzed frame");
        const typed = errors.filter((e) => e.type === "error" && e.code in ERROR_STATUS).length;
        const added = (await run.journal()).filter((e, i) => i >= rows && e.type === "user.message").length;
        fuzz = `${sent.length} frames → ${typed} typed errors, socket ${run.client.open ? "open" : "closed"}, ${added} rows`;
      });
      return { ...facts, fuzz };
    },
  },
];
