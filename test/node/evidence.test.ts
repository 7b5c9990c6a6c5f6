import { expect, it } from "vitest";
import type { ConsentGrant, JournalEntry, StepEvidence } from "../../src/protocol/index.ts";
import { useDevServer } from "./dev-server.ts";
import { DeviceSession } from "./device-session.ts";

// The evidence endpoint on npm start's real stack: a conversation whose steps ran on a device, in
// the session (a tool) and hosted (the local server, under the policy's grant), read back per step.

const stack = useDevServer();

const COLD = {
  connectMs: 5,
  cacheLookupMs: 10,
  downloadMs: 0,
  verifyMs: 20,
  compileMs: 300,
  warmupMs: 50,
  firstTokenMs: 30,
  bytesDownloaded: 0,
  bytesFromCache: 100,
};
const RUNTIME = {
  backend: "wasm",
  dtype: "q8",
  contextLength: 256,
  tokens: 3,
  decodeMs: 40,
  coldStart: null,
  fallbacks: [],
  versions: { onnxruntimeWeb: "1.31.0-test", transformersJs: "4.3.1-test" },
};

/** The device answers the next offer with `output`; `cold`: this step paid the model's load. */
async function answer(session: DeviceSession, output: string, cold = false): Promise<void> {
  const seen = session.offers().length;
  const offer = await session.until(() => session.offers()[seen], `offer ${seen + 1}`);
  session.send({
    type: "step.complete",
    opKey: offer.opKey,
    leaseId: offer.leaseId,
    output,
    model: offer.model!.pins[0],
    runtime: { ...RUNTIME, coldStart: cold ? COLD : null },
  });
}

const replies = async (session: DeviceSession, n: number) =>
  session.until(
    async () => ((await session.journal()).filter((e) => e.type === "assistant.message").length >= n ? true : undefined),
    `${n} answers`,
    60_000,
  );

it("lists each step of a device, tool and hosted conversation: where it ran, on what, under which policy and consent, how long, how it ended", async () => {
  const session = await DeviceSession.create(stack(), { hosted: "allow", providers: ["local"] });
  session.send({ type: "user.message", text: "hi" });
  await answer(session, "Hello!<|end|>", true);
  await replies(session, 1);
  session.send({ type: "user.message", text: "what is 2+3?" });
  await answer(session, '<|call|>{"name":"calculator","args":{"expression":"2+3"}}<|end|>');
  await answer(session, "5.<|end|>");
  await replies(session, 2);
  await session.turnOnUnavailableDevice("hello again");
  await replies(session, 3);

  const journal = await session.journal();
  const res = await session.api("/evidence");
  expect(res.status).toBe(200);
  const { steps } = (await res.json()) as { steps: StepEvidence[] };
  const rows = (opKey: string, type: string) => journal.filter((e) => e.opKey === opKey && e.type === type);
  const at = (opKey: string, type: string) => rows(opKey, type).at(-1)!.at;
  const grant = journal.find((e) => e.type === "consent.granted")!.payload as unknown as ConsentGrant;

  expect(steps.map((s) => [s.kind, s.tool, s.ranOn, s.status])).toEqual([
    ["inference", null, "device", "committed"],
    ["inference", null, "device", "committed"],
    ["tool", "calculator", "session", "committed"],
    ["inference", null, "device", "committed"],
    // Released by the device (cache cleared), then run hosted on the policy's grant.
    ["inference", null, "hosted", "committed"],
  ]);
  const [cold, call, tool, warm, hosted] = steps as [StepEvidence, StepEvidence, StepEvidence, StepEvidence, StepEvidence];
  const holder = (rows(cold.opKey, "step.leased")[0]!.payload as { holder: string }).holder;
  const pin = session.offers()[0]!.model!.pins[0];
  for (const step of [cold, call, warm]) {
    expect(step).toMatchObject({ holder, backend: "wasm", dtype: "q8", model: pin, policy: "policy@1", consentId: null, attempts: 1 });
    expect(step.versions).toEqual({ runtime: expect.any(String), protocol: 1, engine: RUNTIME.versions });
    expect(step.timings.queuedMs).toBe(at(step.opKey, "step.leased") - at(step.opKey, "step.scheduled"));
    expect(step.timings.totalMs).toBe(at(step.opKey, "step.completed") - at(step.opKey, "step.scheduled"));
  }
  // Only the first step paid the load: its phases, and its first token.
  expect(cold.timings).toMatchObject({ coldStartMs: 10 + 0 + 20 + 300 + 50, firstTokenMs: 30 });
  expect(warm.timings).toMatchObject({ coldStartMs: null, firstTokenMs: null });
  expect(tool).toMatchObject({ holder: "session", model: null, backend: null, consentId: null, attempts: 1 });
  expect(tool.timings.totalMs).toBe(at(tool.opKey, "step.completed") - at(tool.opKey, "step.scheduled"));
  expect(hosted).toMatchObject({ holder: "hosted:local", backend: null, consentId: grant.id, policy: "policy@1", attempts: 2 });
  expect(hosted.model).toMatch(/^hosted:local\/dormant-agent-tiny@sha256:[0-9a-f]{64}$/);
  expect(hosted.versions.engine).toBeNull();
  expect(hosted.timings.firstTokenMs).toEqual(expect.any(Number));
  expect(hosted.timings.firstTokenMs!).toBeLessThanOrEqual(hosted.timings.totalMs!);
  // Every row each step is drawn from is that step's, and in journal order.
  for (const step of steps) {
    const own = journal.filter((e: JournalEntry) => e.opKey === step.opKey && e.type.startsWith("step.")).map((e) => e.seq);
    expect(step.seqs).toEqual(own);
  }
  session.close();
}, 120_000);
