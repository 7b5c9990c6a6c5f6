import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type {
  IssuedToken,
  JournalEntry,
  JournalPage,
  LeaseOffer,
  ServerFrame,
  SessionCreated,
  SessionStats,
} from "../../src/protocol/index.ts";
import { FAILPOINTS, type FailpointName } from "../../src/session/failpoints.ts";
import { type DevServer, startDevServer, untilLogged } from "./dev-server.ts";

// SIGKILL of the whole `npm start` stack at each step boundary of an approved send_email, then a
// restart on the same state with no client at all: the alarm alone must settle every operation,
// with exactly one email in the local mail provider.

const WATCHDOG_SECONDS = 8;
const EMAIL = { to: "ops@example.com", subject: "Deploy", body: "Deploying now." };
const tenantOf = (point: FailpointName) => `kill-${point.replace(/[._]/g, "-")}`;
const state = mkdtempSync(join(tmpdir(), "dormant-kill-"));
let server: DevServer | null = null;

afterAll(async () => {
  await server?.stop();
  rmSync(state, { recursive: true, force: true });
});

const until = <T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000) =>
  untilLogged(probe, what, () => server?.output() ?? "", timeoutMs);

const journal = async (url: string, s: SessionCreated): Promise<JournalEntry[]> =>
  (
    (await (
      await fetch(`${url}/v1/sessions/${s.id}/journal?limit=1000`, { headers: { authorization: `Bearer ${s.token}` } })
    ).json()) as JournalPage
  ).entries;

/** Drives a session to a parked send_email and approves it as an approver; the approve hangs at the failpoint. */
async function approveUntilFailpoint(url: string, point: FailpointName): Promise<{ session: SessionCreated; opKey: string }> {
  const res = await fetch(`${url}/v1/sessions`, {
    method: "POST",
    body: JSON.stringify({ tenant: tenantOf(point), toolWatchdogSeconds: WATCHDOG_SECONDS }),
  });
  const session = (await res.json()) as SessionCreated;
  const socket = new WebSocket(`${url.replace("http", "ws")}/v1/sessions/${session.id}/ws?token=${encodeURIComponent(session.token)}`);
  const frames: ServerFrame[] = [];
  socket.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data)) as ServerFrame));
  await new Promise((resolve) => socket.addEventListener("open", resolve));
  socket.send(JSON.stringify({ type: "hello", role: "device" }));
  await fetch(`${url}/v1/sessions/${session.id}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ type: "user.message", text: "tell ops we deploy" }),
  });
  const offer = await until(() => frames.find((f): f is LeaseOffer => f.type === "lease.offer"), "an offer");
  socket.send(
    JSON.stringify({
      type: "step.complete",
      opKey: offer.opKey,
      leaseId: offer.leaseId,
      output: `<|call|>${JSON.stringify({ name: "send_email", args: EMAIL })}<|end|>`,
      model: offer.model!.pins[0],
    }),
  );
  const requested = await until(
    async () => (await journal(url, session)).find((e) => e.type === "approval.requested"),
    "approval.requested",
  );
  socket.close();
  const minted = await fetch(`${url}/v1/sessions/${session.id}/tokens`, { method: "POST", body: '{"role":"approver"}' });
  const approver = (await minted.json()) as IssuedToken;
  // Hangs at the failpoint: the stack is killed under it.
  void fetch(`${url}/v1/sessions/${session.id}/operations/${requested.opKey}/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${approver.token}` },
  }).catch(() => undefined);
  await until(
    () => (server!.output().includes(`dormant failpoint reached: ${point}@${tenantOf(point)}`) ? true : undefined),
    `failpoint ${point}`,
  );
  return { session, opKey: requested.opKey! };
}

describe("SIGKILL of the stack at every step boundary, restart with no client", () => {
  it("each operation settles by itself within the watchdog deadline, with exactly one email", async () => {
    const spec = FAILPOINTS.map((point) => `${point}@${tenantOf(point)}`).join(",");
    server = await startDevServer(90_000, { prebuilt: true, state, vars: { DORMANT_FAILPOINTS: spec } });
    const parked = await Promise.all(FAILPOINTS.map((point) => approveUntilFailpoint(server!.url, point)));
    const killedAt = Date.now();
    await server.kill();

    server = await startDevServer(90_000, { prebuilt: true, state });
    const { url } = server;
    // Watch only the mail provider (no session is touched) until every tenant has its email.
    const mailOf = async (point: FailpointName) =>
      ((await (await fetch(`${url}/v1/dev/mailbox/${tenantOf(point)}`)).json()) as { mail: { to: string; attempts: number }[] }).mail;
    const deadline = killedAt + WATCHDOG_SECONDS * 1000;
    await until(
      async () => ((await Promise.all(FAILPOINTS.map(mailOf))).every((mail) => mail.length === 1) ? true : undefined),
      "every email",
      WATCHDOG_SECONDS * 1000 + 30_000,
    );
    const settledBy = Date.now();

    for (const [index, point] of FAILPOINTS.entries()) {
      const { session, opKey } = parked[index]!;
      expect(await mailOf(point), point).toEqual([expect.objectContaining({ to: EMAIL.to, attempts: 1 })]);
      const entries = await journal(url, session);
      const completed = entries.filter((e) => e.type === "step.completed" && e.opKey === opKey);
      expect(completed, point).toHaveLength(1);
      // It settled before this first client request, and no later than the watchdog deadline
      // (plus the restart, which the deadline cannot cover).
      expect(completed[0]!.at, point).toBeLessThanOrEqual(settledBy);
      if (point !== "tool.after_commit") {
        expect(completed[0]!.at, point).toBeGreaterThan(killedAt);
        expect(completed[0]!.at - deadline, `${point}: past the deadline`).toBeLessThan(15_000);
        const stats = (await (
          await fetch(`${url}/v1/sessions/${session.id}/stats`, { headers: { authorization: `Bearer ${session.token}` } })
        ).json()) as SessionStats;
        expect(
          stats.recentWakes.some((wake) => wake.trigger === "alarm" && wake.at > killedAt),
          point,
        ).toBe(true);
      }
    }
  });
});
