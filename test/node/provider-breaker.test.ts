import { describe, expect, it } from "vitest";
import type { JournalEntry, JournalPage, LeaseOffer, ServerFrame, SessionCreated, SessionStats } from "../../src/protocol/index.ts";
import { Transcript } from "../../web/client/transcript.ts";
import { untilLogged, useDevServer } from "./dev-server.ts";

// The provider breaker against npm start's real stack: wrangler dev (the breaker object, the
// session) and the local hosted server, whose fault lever fails requests and whose request log
// proves which calls reached it.

const COOLDOWN_MS = 3000;
const stack = useDevServer({ prebuilt: true, vars: { PROVIDER_BREAKER: JSON.stringify({ failures: 3, cooldownMs: COOLDOWN_MS }) } });

const setFaults = (failNext: number) =>
  fetch(`${stack().hostedUrl}/faults`, { method: "POST", body: JSON.stringify({ failNext, delayMs: 0 }) });
const hostedRequests = async () =>
  ((await (await fetch(`${stack().hostedUrl}/requests`)).json()) as { requests: unknown[] }).requests.length;

const until = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000) =>
  untilLogged(probe, what, () => stack().output(), timeoutMs);

describe("a circuit breaker per hosted provider", () => {
  it("opens after 3 failures, refuses at once, half-opens for one probe, re-opens on its failure and closes on success", async () => {
    const res = await fetch(`${stack().url}/v1/sessions`, {
      method: "POST",
      body: JSON.stringify({ policy: { hosted: "allow", providers: ["local"] } }),
    });
    const created = (await res.json()) as SessionCreated;
    const headers = { authorization: `Bearer ${created.token}` };
    const api = async <T>(path: string) =>
      (await (await fetch(`${stack().url}/v1/sessions/${created.id}${path}`, { headers })).json()) as T;
    const journal = async () => (await api<JournalPage>("/journal?limit=1000")).entries;
    const breaker = async () => (await api<SessionStats>("/stats")).providers.find((p) => p.provider === "local")!;

    // A device that is connected but cannot serve: every step goes to the hosted provider.
    const frames: ServerFrame[] = [];
    const socket = new WebSocket(
      `${stack().url.replace("http", "ws")}/v1/sessions/${created.id}/ws?token=${encodeURIComponent(created.token)}`,
    );
    socket.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data)) as ServerFrame));
    await new Promise((resolve) => socket.addEventListener("open", resolve));
    socket.send(JSON.stringify({ type: "hello", role: "device", device: "no-model" }));
    socket.send(JSON.stringify({ type: "device.status", available: false, reason: "unsupported" }));

    /** One turn; resolves with the row that ended it. */
    const turn = async (text: string): Promise<JournalEntry> => {
      const after = (await journal()).at(-1)!.seq;
      socket.send(JSON.stringify({ type: "user.message", text }));
      return until(
        async () => (await journal()).find((e) => e.seq > after && (e.type === "assistant.message" || e.type === "turn.failed")),
        `the end of "${text}"`,
      );
    };

    expect(await breaker()).toMatchObject({ state: "closed", failures: 0 });
    await setFaults(1000);
    const before = await hostedRequests();
    const first = await turn("hey");
    expect(first.payload).toMatchObject({ code: "provider_unavailable" });
    const afterFirst = await hostedRequests();
    expect(afterFirst).toBeGreaterThan(before);
    const opened = await breaker();
    expect(opened).toMatchObject({ state: "open", failures: 3 });
    expect(opened.retryAt! - opened.openedAt!).toBe(COOLDOWN_MS);

    // Open: the next turn fails at once with the typed reason; nothing reaches the provider.
    const refused = await turn("hello again");
    expect(refused.payload).toMatchObject({ code: "provider_unavailable", message: expect.stringContaining("kept failing") });
    expect(await hostedRequests()).toBe(afterFirst);
    // The client shows it in words, folded from the journal as the SDK folds it.
    const shown = new Transcript().apply(await journal()).at(-1)!;
    expect(shown.text).toContain("The hosted model is not answering right now");

    // Half-open after the cool-down: one probe goes; it fails, so the breaker opens again.
    await until(async () => ((await breaker()).state === "half_open" ? true : undefined), "half-open");
    const probeFailed = await turn("are you back?");
    expect(probeFailed.payload).toMatchObject({ code: "provider_unavailable" });
    const afterProbe = await hostedRequests();
    expect(afterProbe).toBeGreaterThan(afterFirst);
    expect(await breaker()).toMatchObject({ state: "open" });

    // The provider recovers; after the next cool-down the probe succeeds and the breaker closes.
    await setFaults(0);
    await until(async () => ((await breaker()).state === "half_open" ? true : undefined), "half-open again");
    const answered = await turn("hey");
    expect(answered.type).toBe("assistant.message");
    expect(answered.payload).toMatchObject({ receipt: { ranOn: "hosted" } });
    expect(await breaker()).toMatchObject({ state: "closed", failures: 0, retryAt: null });
    expect(frames.filter((f): f is LeaseOffer => f.type === "lease.offer")).toHaveLength(0);
    socket.close();
  }, 120_000);
});
