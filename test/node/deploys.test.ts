import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import {
  currentRelease,
  DEVICE_MODEL_ID,
  type ModelManifest,
  type ModelRelease,
  type SessionView,
  type StepEvidence,
} from "../../src/protocol/index.ts";
import { type DevServer, startDevServer } from "./dev-server.ts";
import { DeviceSession } from "./device-session.ts";
import { nextBuild, sha256 } from "./next-build.ts";

// Deploy N → N+1 → rollback to N on `npm start`'s stack, the Durable Objects' state kept between
// them (one --persist-to folder). N is the web/dist `npm test` built; N+1 is what the build makes
// of a manifest whose new revision comes first and which keeps N's revision for older sessions.

const DIST = join(process.cwd(), "web", "dist");
const work = mkdtempSync(join(tmpdir(), "dormant-deploys-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const state = join(work, "state");
let stack: DevServer | null = null;
async function deploy(assets?: string): Promise<DevServer> {
  await stack?.stop();
  stack = await startDevServer(90_000, { prebuilt: true, state, ...(assets ? { assets } : {}) });
  return stack;
}
afterAll(async () => stack?.stop());

/**
 * A user turn whose step the device answers as computed by each of `pins` in turn, until one is
 * taken: what happened to each answer (an error code, or "committed").
 */
async function turn(session: DeviceSession, pins: string[]): Promise<string[]> {
  const offers = session.offers().length;
  session.send({ type: "user.message", text: `hello ${offers}` });
  const offer = await session.until(() => session.offers()[offers], "a lease offer");
  const outcomes: string[] = [];
  for (const [i, pin] of pins.entries()) {
    const frames = session.frames.length;
    session.send({ type: "step.complete", opKey: offer.opKey, leaseId: offer.leaseId, output: "Hi!<|end|>", model: pin, ref: `a${i}` });
    outcomes.push(
      await session.until(async () => {
        const error = session.frames.slice(frames).find((f) => f.type === "error" && f.ref === `a${i}`);
        if (error?.type === "error") return error.code;
        const steps = await session.journal();
        return steps.some((e) => e.type === "step.completed" && e.opKey === offer.opKey) ? "committed" : undefined;
      }, "the answer committed or refused"),
    );
  }
  return outcomes;
}

async function release(session: DeviceSession): Promise<ModelRelease | null> {
  return ((await (await session.api("")).json()) as SessionView).release;
}

it("a session keeps the model of the deploy it was created under through a new deploy and a rollback; new sessions get the deploy's", async () => {
  const manifestN = JSON.parse(readFileSync(join(DIST, "models", "manifest.json"), "utf8")) as ModelManifest;
  const releaseN = currentRelease(manifestN, DEVICE_MODEL_ID);
  const { dist, next } = nextBuild(work);
  const releaseNext = currentRelease({ manifestVersion: 1, models: [next] }, DEVICE_MODEL_ID);
  expect(releaseNext.pins.some((pin) => releaseN.pins.includes(pin))).toBe(false);

  // Deploy N: a session is created under it and answered by N's model.
  let a = await DeviceSession.create(await deploy(), {});
  expect(await release(a)).toEqual(releaseN);
  expect(a.offers().length).toBe(0);
  expect(await turn(a, [releaseN.pins[0]!])).toEqual(["committed"]);
  a.close();

  // Deploy N+1 over the same state: A keeps N (and refuses N+1's answers); B is created under N+1.
  const edge = await deploy(dist);
  a = await DeviceSession.attach(edge, a.created);
  expect(await release(a)).toEqual(releaseN);
  expect(await turn(a, [releaseNext.pins[0]!, releaseN.pins[0]!])).toEqual(["model_mismatch", "committed"]);
  expect(a.offers().at(-1)!.model).toEqual(releaseN);
  let b = await DeviceSession.create(edge, {});
  expect(await release(b)).toEqual(releaseNext);
  expect(await turn(b, [releaseN.pins[1]!, releaseNext.pins[1]!])).toEqual(["model_mismatch", "committed"]);
  // N+1 serves both revisions' files, each as its manifest pins it: A's devices can still load N.
  const served = (await (await fetch(`${edge.url}/models/manifest.json`)).json()) as ModelManifest;
  expect(served.models.map((m) => m.revision)).toEqual([next.revision, releaseN.revision]);
  for (const model of served.models) {
    const onnx = model.files.find((f) => f.path === model.variants[0]!.file)!;
    const bytes = new Uint8Array(await (await fetch(`${edge.url}/models/${model.path}/${onnx.path}`)).arrayBuffer());
    expect(sha256(bytes)).toBe(onnx.sha256);
  }
  a.close();
  b.close();

  // Roll back to N: A and B keep their models; a new session C gets N's again.
  const back = await deploy();
  a = await DeviceSession.attach(back, a.created);
  b = await DeviceSession.attach(back, b.created);
  expect(await release(a)).toEqual(releaseN);
  expect(await release(b)).toEqual(releaseNext);
  expect(await turn(a, [releaseN.pins[1]!])).toEqual(["committed"]);
  expect(await turn(b, [releaseN.pins[0]!, releaseNext.pins[0]!])).toEqual(["model_mismatch", "committed"]);
  const c = await DeviceSession.create(back, {});
  expect(await release(c)).toEqual(releaseN);

  // The evidence of A names N's model on every step, across all three deploys.
  const { steps } = (await (await a.api("/evidence")).json()) as { steps: StepEvidence[] };
  const committed = steps.filter((s) => s.status === "committed");
  expect(committed.length).toBeGreaterThanOrEqual(3);
  for (const step of committed) expect(releaseN.pins).toContain(step.model);
  for (const session of [a, b, c]) session.close();
});
