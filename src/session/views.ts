import type { SessionStats, SessionView, WakeRecord } from "../protocol/index.ts";
import type { AgentLoop } from "./agent-loop.ts";
import { toView } from "./operations.ts";

/** The session as a client reads it: status, recent messages, open operations and what each waits for. */
export function sessionView(loop: AgentLoop): SessionView {
  const { store } = loop;
  const { consents } = loop.hosted;
  const open = store.ops.open().map(toView).map((op) =>
    op.waitingFor === "device" && consents.requestState(op.opKey) === "pending" ? { ...op, waitingFor: "consent" as const } : op,
  );
  return {
    id: store.meta.id,
    tenant: store.meta.tenant,
    createdAt: store.meta.createdAt,
    lastSeq: store.journal.lastSeq(),
    status: open.length === 0 ? "idle" : open.every((op) => op.waitingFor !== null) ? "waiting" : "working",
    messages: store.conversation.recent(100),
    operations: open,
    policy: store.meta.policy,
    consents: consents.active(),
  };
}

/** Cold-start accounting: the recent wakes and the journal's size. */
export function sessionStats(loop: AgentLoop): SessionStats {
  const { store } = loop;
  const recent = store.sql.exec<{ id: number; body: string }>("SELECT id, body FROM wakes ORDER BY id DESC LIMIT 10").toArray();
  const wakes = recent.map((row) => JSON.parse(row.body) as WakeRecord);
  return {
    wakes: recent[0]?.id ?? 0,
    lastWake: wakes[0] ?? null,
    recentWakes: wakes,
    journal: { entries: store.journal.count(), lastSeq: store.journal.lastSeq() },
  };
}
