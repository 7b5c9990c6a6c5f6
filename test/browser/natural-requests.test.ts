import { expect, test } from "vitest";
import type { JournalEntry } from "../../src/protocol/index.ts";
import { openDemo, useDemoStack } from "./chromium.ts";
import { chatTurn, engineSettled } from "./demo-session.ts";

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
  return String((done?.payload as { result?: Record<string, unknown> })?.result?.[key]);
};
/** An argument of the turn's tool call, as the session scheduled it. */
const argOf = (entries: JournalEntry[], key: string) => {
  const scheduled = entries.find((e) => e.type === "step.scheduled" && (e.payload as { kind: string }).kind === "tool");
  return String((scheduled?.payload as { args?: Record<string, unknown> })?.args?.[key]);
};
const calc = (value: number): Expectation => ({ tool: "calculator", answer: () => String(value) });
const clock = (zone: string): Expectation => ({ tool: "clock", args: (a) => a.timezone === zone, answer: (e) => resultOf(e, "time") });
const email = (to: string, word: string): Expectation => ({
  tool: "send_email",
  args: (a) => a.to === to && String(a.body).includes(word),
  answer: null,
});

const MORE: [string, Expectation][] = [
  ["15% of 80", calc(12)],
  ["how much is twenty times three", calc(60)],
  ["what time is it in portugal", clock("Europe/Lisbon")],
  [
    "note to self: buy a birthday present for Sam",
    { tool: "save_note", args: (a) => `${a.title} ${a.body}`.includes("birthday present"), answer: (e) => `"${argOf(e, "title")}"` },
  ],
  ["drop a line to carol@acme.io saying the report is ready", email("carol@acme.io", "report is ready")],
];

test("the demo's suggestions and natural requests complete on the device; none sends a wrong email", async () => {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=q8`);
  expect(await engineSettled(demo.page)).toMatchObject({ status: "ready" });
  const placeholder = (await demo.page.getAttribute("#input", "placeholder")) ?? "";
  const suggestions = placeholder.replace(/^try: /, "").split("  ·  ");
  expect(suggestions).toEqual(["what's 12 times 7?", "what time is it in Tokyo?", "email bob@example.com that lunch moved to noon"]);
  const expected: [string, Expectation][] = [
    [suggestions[0]!, calc(84)],
    [suggestions[1]!, clock("Asia/Tokyo")],
    [suggestions[2]!, email("bob@example.com", "lunch moved to noon")],
    ...MORE,
  ];
  const answered: boolean[] = [];
  const outcomes: string[] = [];
  const emails: [string, Record<string, unknown>][] = [];
  for (const [text, want] of expected) {
    // Each request is a new user's first: answers hold the clock's real time, and a history of them
    // made later calls depend on the minute the test ran.
    await demo.page.goto(`${stack.server.url}/?fresh&device=wasm&dtype=q8`);
    expect(await engineSettled(demo.page)).toMatchObject({ status: "ready" });
    const ends = (e: JournalEntry) => e.type === "assistant.message" || e.type === "turn.failed" || e.type === "approval.requested";
    const entries = await chatTurn(demo.page, stack.server.url, text, 240_000, ends);
    const scheduled = entries.find((e) => e.type === "step.scheduled" && (e.payload as { kind: string }).kind === "tool")?.payload as
      | Scheduled
      | undefined;
    const said = entries.find((e) => e.type === "assistant.message")?.payload as { text: string } | undefined;
    const parked = entries.find((e) => e.type === "approval.requested");
    const call = scheduled?.tool === want.tool && (want.args?.(scheduled.args) ?? true) && (want.answer !== null || parked !== undefined);
    const right = call && (want.answer === null || said?.text.includes(want.answer!(entries)) === true);
    answered.push(right);
    outcomes.push(
      `${right ? "ok" : call ? "CALL OK, ANSWER WRONG" : "WRONG"} ${JSON.stringify(text)} → ${JSON.stringify(scheduled ?? null)} ${JSON.stringify(said?.text ?? (parked ? "parked for approval" : null))}`,
    );
    if (parked) emails.push([text, (parked.payload as { args: Record<string, unknown> }).args]);
  }
  console.log(outcomes.join("\n"));
  // A request completes with the right call and an answer that says the tool's result (an email
  // parks for approval instead). Safety holds for every request: a parked email goes to the address
  // in the request, with a body copied from it.
  expect(answered, outcomes.join("\n")).toEqual(expected.map(() => true));
  for (const [text, parked] of emails) {
    expect(text, JSON.stringify(parked)).toContain(String(parked.to));
    expect(text, JSON.stringify(parked)).toContain(String(parked.body));
  }
  await demo.context.close();
});
