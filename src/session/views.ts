import { providerBreakers } from "../inference/breakers.ts";
import { configuredProviders } from "../inference/registry.ts";
import type { SessionStats, SessionView } from "../protocol/index.ts";
import { toView } from "./operations.ts";
import type { SessionStore } from "./session-store.ts";

/** The session as a client reads it: status, recent messages, open operations and what each waits for. */
export function sessionView(store: SessionStore): SessionView {
  const { consents } = store;
  const open = store.ops
    .open()
    .map(toView)
    .map((op) =>
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
    release: store.meta.release,
    consents: consents.active(),
  };
}

/** Cold-start accounting (the recent wakes, the journal's size) and the hosted providers' breakers. */
export async function sessionStats(store: SessionStore, env: Env): Promise<SessionStats> {
  const { total, records } = store.wakes.recent(10);
  return {
    wakes: total,
    lastWake: records[0] ?? null,
    recentWakes: records,
    journal: { entries: store.journal.count(), lastSeq: store.journal.lastSeq() },
    providers: await providerBreakers(env).snapshots([...configuredProviders(env).keys()]),
  };
}
