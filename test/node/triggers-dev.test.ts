import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JournalEntry, JournalPage, LeaseOffer, ServerFrame, SessionCreated } from "../../src/protocol/index.ts";
import { DEPLOYMENT_CRONS, TICK_CRON } from "../../src/triggers/deployment-crons.ts";
import { DEV_HOOK_SECRET } from "../../src/triggers/hook-config.ts";
import { sign } from "../../src/triggers/signature.ts";
import { Transcript } from "../../web/client/transcript.ts";
import { badgeText } from "../../web/ui/view.ts";
import { type DevServer, startDevServer, untilLogged, useDevServer } from "./dev-server.ts";

// Triggers as `npm start` runs them: wrangler dev's Cron Trigger test route and its local Queues
// (producer, consumer, dead-letter queue), against the SQLite Durable Objects it persists.

const stack = useDevServer();

const until = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000) =>
  untilLogged(probe, what, () => stack().output(), timeoutMs);

async function session(): Promise<{ created: SessionCreated; received: () => Promise<JournalEntry[]> }> {
  const created = (await (await fetch(`${stack().url}/v1/sessions`, { method: "POST", body: "{}" })).json()) as SessionCreated;
  const received = async () => {
    const res = await fetch(`${stack().url}/v1/sessions/${created.id}/journal?limit=1000`, {
      headers: { authorization: `Bearer ${created.token}` },
    });
    return ((await res.json()) as JournalPage).entries.filter((e) => e.type === "trigger.received");
  };
  return { created, received };
}

describe("triggers under wrangler dev", () => {
  it("wrangler.toml's crons are the ones the code subscribes sessions to", () => {
    const toml = readFileSync("wrangler.toml", "utf8");
    const lists = [...toml.matchAll(/^crons = (\[.*\])$/gm)].map((m) => JSON.parse(m[1]!) as string[]);
    expect(lists.length).toBeGreaterThanOrEqual(2); // the default env and production
    for (const list of lists) expect(list).toEqual([...DEPLOYMENT_CRONS]);
  });

  it("a tick from the scheduled test route wakes the subscribed session once per tick, and no other", async () => {
    const [subscribed, other] = [await session(), await session()];
    const sub = await fetch(`${stack().url}/v1/sessions/${subscribed.created.id}/subscriptions`, {
      method: "POST",
      body: JSON.stringify({ cron: TICK_CRON }),
    });
    expect(sub.status).toBe(201);
    for (let tick = 1; tick <= 2; tick++) {
      const res = await fetch(`${stack().url}/__scheduled?cron=${encodeURIComponent(TICK_CRON)}`);
      expect(res.status).toBe(200);
      await until(async () => ((await subscribed.received()).length >= tick ? true : undefined), `tick ${tick}`);
      // A tick after the route's time resolution has moved on (its key is the scheduled time).
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const events = await subscribed.received();
    expect(events).toHaveLength(2);
    expect(events.map((e) => (e.payload as { source: string }).source)).toEqual(["cron", "cron"]);
    expect(await other.received()).toHaveLength(0);
  }, 60_000);

  it("a signed webhook reaches its session through the local queue", async () => {
    const { created, received } = await session();
    const body = JSON.stringify({ session: created.id, text: "The deploy finished. Anything to do?", data: { deploy: "ok" } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = {
      "webhook-id": "dev-delivery-1",
      "webhook-timestamp": timestamp,
      "webhook-signature": await sign(DEV_HOOK_SECRET, "dev-delivery-1", timestamp, body),
    };
    for (let i = 0; i < 3; i++) expect((await fetch(`${stack().url}/v1/hooks/demo`, { method: "POST", body, headers })).status).toBe(202);
    const [event] = await until(async () => ((await received()).length > 0 ? received() : undefined), "the webhook event");
    expect(event!.payload).toMatchObject({ source: "webhook", name: "demo", key: "hook:demo:dev-delivery-1" });
    // The SDK shows the turn it started as coming from the webhook.
    const res = await fetch(`${stack().url}/v1/sessions/${created.id}/journal?limit=1000`, {
      headers: { authorization: `Bearer ${created.token}` },
    });
    const [turn] = new Transcript().apply(((await res.json()) as JournalPage).entries).filter((m) => m.role === "user");
    expect(turn).toMatchObject({
      text: "The deploy finished. Anything to do?",
      origin: { kind: "trigger", source: "webhook", name: "demo" },
    });
    expect(badgeText(turn!.origin)).toBe("from webhook demo");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await received()).toHaveLength(1);
  }, 60_000);
});

/**
 * The SDK client as this test uses it. web/ is type-checked against the DOM (web/tsconfig.json), and
 * this project against workerd's types, so the module is loaded by a path the compiler does not
 * follow; Node runs it as the browser does (WebSocket, no localStorage: an in-memory outbox).
 */
interface SdkClient {
  send(text: string): Promise<number>;
  on(listener: (event: { type: string; items?: readonly unknown[]; busyUntil?: number | null }) => void): () => void;
  readonly outbox: readonly unknown[];
  close(): void;
}
const SDK = "../../web/client/client.ts";
const loadSdk = async () =>
  (await import(SDK)) as { createClient(options: { baseUrl: string; session: string; token: string }): SdkClient };

describe("a busy session and the SDK", () => {
  it("a message refused by a full inbox stays in the SDK's outbox and is delivered once the session catches up", async () => {
    const { created } = await session();
    const base = `${stack().url}/v1/sessions/${created.id}`;
    const headers = { authorization: `Bearer ${created.token}`, "content-type": "application/json" };
    const post = (text: string) =>
      fetch(`${base}/events`, { method: "POST", headers, body: JSON.stringify({ type: "user.message", text }) });
    for (let i = 0; i <= 16; i++) expect((await post(`earlier ${i}`)).status).toBe(201); // One turn running, 16 waiting.
    expect((await post("refused")).status).toBe(429);

    const client = (await loadSdk()).createClient({ baseUrl: stack().url, session: created.id, token: created.token });
    const outbox: { items?: readonly unknown[]; busyUntil?: number | null }[] = [];
    client.on((event) => event.type === "outbox" && outbox.push(event));
    const sent = client.send("one more, please");
    await until(
      async () => (outbox.some((e) => typeof e.busyUntil === "number" && e.items?.length === 1) ? true : undefined),
      "the busy outbox",
    );

    // A device works through the turns; the inbox drains and the SDK's retry gets in.
    const device = new WebSocket(
      `${stack().url.replace("http", "ws")}${new URL(base).pathname}/ws?token=${encodeURIComponent(created.token)}`,
    );
    device.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as ServerFrame;
      if (frame.type !== "lease.offer") return;
      const { opKey, leaseId, model } = frame as LeaseOffer;
      device.send(JSON.stringify({ type: "step.complete", opKey, leaseId, output: "Done.<|end|>", model: model!.pins[0] }));
    });
    await new Promise((resolve) => device.addEventListener("open", resolve));
    device.send(JSON.stringify({ type: "hello", role: "device", device: "worker" }));
    const seq = await sent;
    const page = (await (await fetch(`${base}/journal?limit=1000`, { headers })).json()) as JournalPage;
    const texts = page.entries.filter((e) => e.type === "user.message").map((e) => (e.payload as { text: string }).text);
    expect(texts.filter((t) => t === "one more, please")).toHaveLength(1);
    expect(texts).not.toContain("refused");
    expect(page.entries.find((e) => e.seq === seq)?.payload).toMatchObject({ text: "one more, please" });
    expect(client.outbox).toHaveLength(0);
    client.close();
    device.close();
  }, 90_000);
});

describe("a schedule across a crash", () => {
  it("a schedule that came due while the stack was down (SIGKILL) fires once on restart, with its lateness", async () => {
    const state = mkdtempSync(join(tmpdir(), "dormant-schedule-"));
    let server: DevServer | undefined = await startDevServer(90_000, { prebuilt: true, state });
    try {
      const created = (await (await fetch(`${server.url}/v1/sessions`, { method: "POST", body: "{}" })).json()) as SessionCreated;
      const headers = { authorization: `Bearer ${created.token}`, "content-type": "application/json" };
      const at = Date.now() + 2000;
      const set = await fetch(`${server.url}/v1/sessions/${created.id}/schedules`, {
        method: "POST",
        headers,
        body: JSON.stringify({ at, name: "while-down" }),
      });
      expect(set.status).toBe(201);
      await server.kill();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now()) + 1000)); // Due while nothing runs.
      server = await startDevServer(90_000, { prebuilt: true, state });
      const url = server.url;
      const fired = async () => {
        const page = (await (await fetch(`${url}/v1/sessions/${created.id}/journal?limit=1000`, { headers })).json()) as JournalPage;
        return page.entries.filter((e) => e.type === "schedule.fired");
      };
      // This stack's log, not the file's shared one, if it times out.
      const restarted = server;
      const [firing] = await untilLogged(
        async () => ((await fired()).length > 0 ? fired() : undefined),
        "the late firing",
        () => restarted.output(),
        30_000,
      );
      expect(firing!.payload).toMatchObject({ name: "while-down", due: at, missed: 0 });
      expect((firing!.payload as { lateMs: number }).lateMs).toBeGreaterThanOrEqual(1000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await fired()).toHaveLength(1);
    } finally {
      await server?.stop();
      rmSync(state, { recursive: true, force: true });
    }
  }, 240_000);
});
