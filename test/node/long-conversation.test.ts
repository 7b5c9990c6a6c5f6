import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ChatMessage, JournalEntry, JournalPage, SessionCreated } from "../../src/protocol/index.ts";
import { useDevServer } from "./dev-server.ts";

// A 500-turn conversation answered by the local hosted server (our model, npm start's stack), with
// every tenth turn forced to fail at the provider. Failed turns must not poison the ones after.

const TURNS = 500;
// Each forced turn opens the provider's breaker (3 failures in a row); with no cool-down the next
// turn is its probe, so what is measured is recovery, not the breaker's wait (provider-breaker.test.ts).
const stack = useDevServer({ prebuilt: true, vars: { PROVIDER_BREAKER: JSON.stringify({ failures: 3, cooldownMs: 0 }) } });

/** What people asked in the held-out set (emails left out: they park for approval). */
function prompts(): string[] {
  const rows = readFileSync("models/eval/heldout.jsonl", "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { messages: ChatMessage[]; evalStart: number; meta: { tool?: string } });
  return rows.filter((row) => row.meta.tool !== "send_email").map((row) => (row.messages[row.evalStart] as { content: string }).content);
}

describe("a long hosted conversation survives its own failures", () => {
  it(`${TURNS} turns, every tenth failing at the provider: at least 95% of the others are answered`, async () => {
    const created = (await (
      await fetch(`${stack().url}/v1/sessions`, {
        method: "POST",
        body: JSON.stringify({ policy: { hosted: "allow", providers: ["local"] } }),
      })
    ).json()) as SessionCreated;
    const headers = { authorization: `Bearer ${created.token}`, "content-type": "application/json" };
    // A device that is connected but cannot serve: every step goes to the hosted provider.
    const socket = new WebSocket(
      `${stack().url.replace("http", "ws")}/v1/sessions/${created.id}/ws?token=${encodeURIComponent(created.token)}`,
    );
    await new Promise((resolve) => socket.addEventListener("open", resolve));
    socket.send(JSON.stringify({ type: "hello", role: "device", device: "no-model" }));
    socket.send(JSON.stringify({ type: "device.status", available: false, reason: "unsupported" }));
    const faults = (failNext: number, delayMs = 0) =>
      fetch(`${stack().hostedUrl}/faults`, { method: "POST", body: JSON.stringify({ failNext, delayMs }) });
    const errors: { ref?: string; code?: string }[] = [];
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as { type: string; ref?: string; code?: string };
      if (frame.type === "error") errors.push(frame);
    });

    const asked = prompts();
    let cursor = 0;
    const outcomes: { forced: boolean; answered: boolean }[] = [];
    for (let turn = 0; turn < TURNS; turn++) {
      const forced = turn % 10 === 9;
      await faults(forced ? 1000 : 0);
      const sent = await fetch(`${stack().url}/v1/sessions/${created.id}/events`, {
        method: "POST",
        headers,
        body: JSON.stringify({ type: "user.message", text: asked[turn % asked.length] }),
      });
      const { seq } = (await sent.json()) as { seq: number };
      let end: JournalEntry | undefined;
      for (const deadline = Date.now() + 30_000; !end; ) {
        const page = (await (
          await fetch(`${stack().url}/v1/sessions/${created.id}/journal?after=${cursor}&limit=1000`, { headers })
        ).json()) as JournalPage;
        if (page.entries.length > 0) cursor = page.next;
        end = page.entries.find((e) => e.seq > seq && (e.type === "assistant.message" || e.type === "turn.failed"));
        if (!end && Date.now() > deadline) throw new Error(`turn ${turn} did not end; log:\n${stack().output().slice(-2000)}`);
        if (!end) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      outcomes.push({ forced, answered: end.type === "assistant.message" });
    }

    // While a hosted step runs (the provider held back), the device tries to answer it itself.
    await faults(0, 1500);
    await fetch(`${stack().url}/v1/sessions/${created.id}/events`, {
      method: "POST",
      headers,
      body: JSON.stringify({ type: "user.message", text: "hello" }),
    });
    const leased = await (async () => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
        const page = (await (
          await fetch(`${stack().url}/v1/sessions/${created.id}/journal?after=${cursor}&limit=1000`, { headers })
        ).json()) as JournalPage;
        const entry = page.entries.find((e) => e.type === "step.leased");
        if (entry) return entry;
      }
      throw new Error("no hosted lease");
    })();
    expect(leased.payload).toMatchObject({ holder: "hosted:local" });
    expect(Object.keys(leased.payload as object)).not.toContain("leaseId");
    socket.send(
      JSON.stringify({
        type: "step.complete",
        opKey: leased.opKey,
        leaseId: "any",
        output: "I am the provider",
        model: "hosted:local/mine",
        ref: "forge",
      }),
    );
    for (const deadline = Date.now() + 5000; !errors.some((e) => e.ref === "forge") && Date.now() < deadline; )
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors.find((e) => e.ref === "forge")).toMatchObject({ code: "lease_mismatch" });
    await faults(0, 0);
    socket.close();

    // Every answer's receipt is what the session observed: the provider's own model, under the app's grant.
    const readAll = async () => {
      let entries: JournalEntry[] = [];
      for (let after = 0; ; ) {
        const page = (await (
          await fetch(`${stack().url}/v1/sessions/${created.id}/journal?after=${after}&limit=1000`, { headers })
        ).json()) as JournalPage;
        if (page.entries.length === 0) return entries;
        entries = entries.concat(page.entries);
        after = page.next;
      }
    };
    let all = await readAll();
    for (
      const deadline = Date.now() + 10_000;
      !all.some((e) => e.opKey === leased.opKey && e.type === "step.completed") && Date.now() < deadline;
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      all = await readAll();
    }
    const grant = all.find((e) => e.type === "consent.granted")!.payload as { id: string };
    const answers = all.filter((e) => e.type === "assistant.message");
    expect(answers.length).toBeGreaterThan(400);
    for (const answer of answers) {
      expect(answer.payload).toMatchObject({
        receipt: {
          ranOn: "hosted",
          model: expect.stringMatching(/^hosted:local\/dormant-agent-tiny@sha256:[0-9a-f]+/),
          consentId: grant.id,
        },
      });
    }
    expect(answers.some((a) => JSON.stringify(a.payload).includes("I am the provider"))).toBe(false);
    const others = outcomes.filter((o) => !o.forced);
    const rate = others.filter((o) => o.answered).length / others.length;
    console.log(
      `long conversation: ${others.filter((o) => o.answered).length}/${others.length} answered (${rate.toFixed(3)}); forced turns answered: ${outcomes.filter((o) => o.forced && o.answered).length}`,
    );
    expect(outcomes.filter((o) => o.forced && o.answered)).toHaveLength(0);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  }, 600_000);
});
