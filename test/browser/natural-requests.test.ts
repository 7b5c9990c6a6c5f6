import { expect, test } from "vitest";
import type { JournalEntry } from "../../src/protocol/index.ts";
import { openDemo, useDemoStack } from "./chromium.ts";
import { chatTurn, demoSession, engineSettled, journal } from "./demo-session.ts";

// What a new user types, through the demo page, the real session and the on-device model with its
// constrained decoder: the page's own suggestions first, then five more requests in plain words.
const stack = useDemoStack();

type Scheduled = { tool: string; args: Record<string, unknown> };
interface Expectation {
  tool: string | null;
  args?: (args: Record<string, unknown>) => boolean;
  /** Text the answer must contain (a tool's result); null for an email, which parks for approval. */
  answer?: ((entries: JournalEntry[]) => string) | null;
}

const resultOf = (entries: JournalEntry[], key: string) => {
  const done = entries.find((e) => e.type === "step.completed" && e.opKey?.endsWith(".tool"));
  return String(((done?.payload as { result?: Record<string, unknown> })?.result ?? {})[key]);
};
const calc = (value: number): Expectation => ({ tool: "calculator", answer: () => String(value) });
const clock = (zone: string): Expectation => ({ tool: "clock", args: (a) => a.timezone === zone, answer: (e) => resultOf(e, "time") });
const email = (to: string, word: string): Expectation => ({ tool: "send_email", args: (a) => a.to === to && String(a.body).includes(word), answer: null });

const MORE: [string, Expectation][] = [
  ["15% of 80", calc(12)],
  ["how much is twenty times three", calc(60)],
  ["what time is it in portugal", clock("Europe/Lisbon")],
  ["note to self: buy a birthday present for Sam", { tool: "save_note", args: (a) => `${a.title} ${a.body}`.includes("birthday present"), answer: () => "Saved" }],
  ["drop a line to carol@acme.io saying the report is ready", email("carol@acme.io", "report is ready")],
];

test("the demo's suggestions complete correctly on the device; natural requests never send a wrong email", async () => {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=q8`);
  expect(await engineSettled(demo.page)).toMatchObject({ status: "ready" });
  const session = await demoSession(demo.page);
  // The app's backend mints an approver token (the create key is open in development).
  const approver = (await (await fetch(`${stack.server.url}/v1/sessions/${session.id}/tokens`, { method: "POST", body: '{"role":"approver"}' })).json()) as { token: string };
  const placeholder = (await demo.page.getAttribute("#input", "placeholder")) ?? "";
  const suggestions = placeholder.replace(/^try: /, "").split("  ·  ");
  expect(suggestions).toEqual(["what's 12 times 7?", "what time is it in Tokyo?", "email bob@example.com that lunch moved to noon"]);
  const expected: [string, Expectation][] = [
    [suggestions[0]!, calc(84)],
    [suggestions[1]!, clock("Asia/Tokyo")],
    [suggestions[2]!, email("bob@example.com", "lunch moved to noon")],
    ...MORE,
  ];
  const outcomes: string[] = [];
  const emails: [string, Record<string, unknown>][] = [];
  for (const [text, want] of expected) {
    const ends = (e: JournalEntry) => e.type === "assistant.message" || e.type === "turn.failed" || e.type === "approval.requested";
    const entries = await chatTurn(demo.page, stack.server.url, text, 240_000, ends);
    const scheduled = entries.find((e) => e.type === "step.scheduled" && (e.payload as { kind: string }).kind === "tool")?.payload as Scheduled | undefined;
    const said = entries.find((e) => e.type === "assistant.message")?.payload as { text: string } | undefined;
    const parked = entries.find((e) => e.type === "approval.requested");
    const ok =
      scheduled?.tool === want.tool &&
      (want.args?.(scheduled.args) ?? true) &&
      (want.answer === null ? parked !== undefined : said !== undefined && said.text.includes(want.answer!(entries)));
    outcomes.push(`${ok ? "ok" : "WRONG"} ${JSON.stringify(text)} → ${JSON.stringify(scheduled ?? null)} ${JSON.stringify(said?.text ?? (parked ? "parked for approval" : null))}`);
    // An email parks for approval; rejecting it ends the turn so the next request starts fresh.
    if (parked) {
      emails.push([text, (parked.payload as { args: Record<string, unknown> }).args]);
      const rejectedAt = (await journal(stack.server.url, session)).length;
      await fetch(`${stack.server.url}/v1/sessions/${session.id}/operations/${parked.opKey}/reject`, { method: "POST", headers: { authorization: `Bearer ${approver.token}` } });
      for (let waited = 0; waited < 120_000; waited += 250) {
        if ((await journal(stack.server.url, session)).slice(rejectedAt).some((e) => e.type === "assistant.message" || e.type === "turn.failed")) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
  console.log(outcomes.join("\n"));
  // The page's own suggestions must work. Of the five more, run 10 gets the Portugal clock and the
  // email to carol right and misses "15% of 80", "twenty times three" and the birthday note (issue 15
  // stays open on them): the floor guards that, and the safety below holds for every request: a
  // parked email goes to the address in the request, with a body copied from it.
  expect(outcomes.slice(0, 3).filter((o) => !o.startsWith("ok")), outcomes.join("\n")).toEqual([]);
  expect(outcomes.slice(3).filter((o) => o.startsWith("ok")).length, outcomes.join("\n")).toBeGreaterThanOrEqual(2);
  for (const [text, parked] of emails) {
    expect(text, JSON.stringify(parked)).toContain(String(parked.to));
    expect(text, JSON.stringify(parked)).toContain(String(parked.body));
  }
  await demo.context.close();
});
