import type { JournalEntry } from "../../src/protocol/index.ts";
import type { PathRun } from "./paths.ts";

/** What a cell found out, in the words the matrix prints; the expected cell is written in the same words. */
export interface Facts {
  /** Answers the turn got, and where the last one ran. */
  answered: number;
  ranOn: "device" | "hosted" | "nowhere";
  /** The turn's message not journaled; steps (or the message) journaled more than once. */
  lost: number;
  doubled: number;
  /** The client saw every journal row exactly once (across its reconnects). */
  rowsOnce: boolean;
  emails?: number;
  uncertain?: number;
  consentAsked?: boolean;
  toolRefused?: number;
  /** A device step ran on a lower rung of the engine's ladder than it started on. */
  steppedDown?: boolean;
  fuzz?: string;
  healthy: boolean;
}

export function describeFacts(f: Facts): string {
  const parts = [
    `answered ${f.answered}× on ${f.ranOn}`,
    `lost ${f.lost}`,
    `doubled ${f.doubled}`,
    f.rowsOnce ? "rows once" : "rows gap/repeat",
  ];
  if (f.emails !== undefined) parts.push(`${f.emails} email`);
  if (f.uncertain) parts.push(`effect_uncertain ${f.uncertain}, resolved`);
  if (f.consentAsked) parts.push("consent asked");
  if (f.toolRefused) parts.push(`tool refused ${f.toolRefused}`);
  if (f.steppedDown) parts.push("engine stepped down");
  if (f.fuzz) parts.push(f.fuzz);
  parts.push(f.healthy ? "healthy" : "UNHEALTHY");
  return parts.join(" · ");
}

/** The expected outcome of a path when everything recovers: one answer, nothing lost, nothing twice. */
export function recovered(run: { path: string }, extra: Partial<Facts> = {}): Facts {
  const base: Facts = {
    answered: 1,
    ranOn: run.path === "hosted" ? "hosted" : "device",
    lost: 0,
    doubled: 0,
    rowsOnce: true,
    healthy: true,
  };
  return { ...base, ...(run.path === "tool" ? { emails: 1 } : {}), ...extra };
}

const count = (entries: JournalEntry[], type: string) => entries.filter((e) => e.type === type).length;

/** Reads what happened from the outside: the journal, the client's frames, the mail provider, a fresh turn. */
export async function observe(run: PathRun, extra: Partial<Facts> = {}): Promise<Facts> {
  // A late duplicate would land after the first answer: look again once things have settled.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const journal = await run.journal();
  const answers = journal.filter((e) => e.type === "assistant.message");
  const receipt = answers.at(-1)?.payload as { receipt?: { ranOn?: "device" | "hosted" } } | undefined;
  const committed = new Map<string, number>();
  for (const e of journal) if (e.type === "step.completed" && e.opKey) committed.set(e.opKey, (committed.get(e.opKey) ?? 0) + 1);
  const sent = journal.filter((e) => e.type === "user.message" && (e.payload as { text: string }).text === run.text).length;
  const seqs = run.client.seqs();
  const last = journal.at(-1)?.seq ?? 0;
  await new Promise((resolve) => setTimeout(resolve, 300)); // the client's frames catch up with the read
  const facts: Facts = {
    answered: answers.length,
    ranOn: receipt?.receipt?.ranOn ?? "nowhere",
    lost: sent === 0 ? 1 : 0,
    // A step committed twice, or the turn's message journaled twice.
    doubled: [...committed.values()].filter((n) => n > 1).length + (sent > 1 ? 1 : 0),
    rowsOnce: new Set(seqs).size === seqs.length && [...Array(last).keys()].every((i) => seqs.includes(i + 1)),
    healthy: await healthy(run),
    ...extra,
  };
  if (run.path === "tool") facts.emails = await emails(run);
  const uncertain = count(journal, "step.effect_uncertain");
  if (uncertain) facts.uncertain = uncertain;
  if (count(journal, "consent.requested") > 0) facts.consentAsked = true;
  const refused = journal.filter((e) => e.type === "step.failed" && JSON.stringify(e.payload).includes("tool_unavailable")).length;
  if (refused) facts.toolRefused = refused;
  const fallbacks = journal.flatMap((e) =>
    e.type === "step.completed" ? ((e.payload as { runtime?: { fallbacks?: string[] } | null }).runtime?.fallbacks ?? []) : [],
  );
  if (fallbacks.length > 0) facts.steppedDown = true;
  return facts;
}

async function emails(run: PathRun): Promise<number> {
  const res = await fetch(`${run.stack.url}/v1/dev/mailbox/${run.tenant}`);
  return ((await res.json()) as { mail: unknown[] }).mail.length;
}

/** Healthy: the health route answers and a new session takes a message. */
async function healthy(run: PathRun): Promise<boolean> {
  const health = await fetch(`${run.stack.url}/v1/health`).catch(() => null);
  if (!health?.ok) return false;
  const created = await fetch(`${run.stack.url}/v1/sessions`, { method: "POST", body: "{}" });
  if (created.status !== 201) return false;
  const { id, token } = (await created.json()) as { id: string; token: string };
  const sent = await fetch(`${run.stack.url}/v1/sessions/${id}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "user.message", text: "still there?" }),
  });
  return sent.status === 201;
}
