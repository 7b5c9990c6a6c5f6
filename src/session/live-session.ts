import { isLocalDevelopment } from "../config/deployment.ts";
import { providerBreakers } from "../inference/breakers.ts";
import { configuredProviders } from "../inference/registry.ts";
import { DormantError, type WakeRecord } from "../protocol/index.ts";
import { defaultTools } from "../tools/registry.ts";
import { AgentLoop } from "./agent-loop.ts";
import { Approvals } from "./approvals.ts";
import type { Failpoints } from "./failpoints.ts";
import { pruneSession } from "./housekeeping.ts";
import { MetaRow } from "./meta.ts";
import { Scheduler } from "./scheduler.ts";
import { SCHEMA } from "./schema.ts";
import { type SessionMeta, SessionStore } from "./session-store.ts";
import type { SessionSockets } from "./sockets.ts";
import { WakeClock } from "./wake-clock.ts";

/** A woken session's objects: what every RPC, frame and alarm works on. */
export interface LiveSession {
  store: SessionStore;
  loop: AgentLoop;
  approvals: Approvals;
  scheduler: Scheduler;
}

/** Builds the live objects over storage whose meta row says `meta`. Reads nothing itself. */
export function assemble(
  ctx: DurableObjectState,
  env: Env,
  meta: SessionMeta,
  sockets: SessionSockets,
  failpoints: Failpoints,
): LiveSession {
  if (isLocalDevelopment(env) && env.DORMANT_FAILPOINTS) failpoints.armFromSpec(env.DORMANT_FAILPOINTS, meta.tenant);
  const store = new SessionStore(ctx.storage, meta, (entries) => sockets.publish(entries));
  const loop = new AgentLoop(store, defaultTools, sockets, {
    env,
    failpoints,
    hosted: {
      providers: configuredProviders(env),
      breakers: providerBreakers(env),
      relay: (frame) => sockets.relay(frame),
      keepAlive: (work) => ctx.waitUntil(work),
    },
  });
  return { store, loop, approvals: new Approvals(store, loop.tools), scheduler: new Scheduler(store, loop) };
}

/**
 * Wakes an instance once. The first event reads the meta row (and nothing else), builds the live
 * objects, then settles once, which recovers whatever a crash or eviction left in flight before the
 * event itself is handled. Its cold-start record is written after that first event.
 */
export class Waker {
  private readonly clock = new WakeClock();
  private live: LiveSession | null = null;
  private waking: Promise<LiveSession> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly build: (meta: SessionMeta) => LiveSession,
  ) {}

  /** Call at the end of the object's constructor (its cost is part of the cold start). */
  constructed(): void {
    this.clock.constructed();
  }

  wake(trigger: WakeRecord["trigger"]): Promise<LiveSession> {
    // Events that arrive while the first one is still recovering wait for the same recovery.
    this.waking ??= (async () => {
      const live = this.hydrate(trigger);
      await live.loop.settle();
      return live;
    })().catch((error: unknown) => {
      this.waking = null;
      throw error;
    });
    return this.waking;
  }

  /**
   * After every event; after the first one only, records the wake and prunes old bookkeeping. After
   * a `read`, that happens once the answer has left: a write before it would hold the answer until
   * the write is durable (the output gate), which made waking to a read ~1 ms slower
   * (decisions/0015); an object evicted within that tick loses the record. After a write, the
   * answer waits for its own commit anyway, so the record joins it.
   */
  eventDone(read: boolean): void {
    const live = this.live;
    const record = live && this.clock.firstEvent();
    if (!live || !record) return;
    const write = () => {
      live.store.wakes.record(record);
      pruneSession(live.store, Date.now());
    };
    if (read) setTimeout(write, 0);
    else write();
  }

  private hydrate(trigger: WakeRecord["trigger"]): LiveSession {
    if (this.live) return this.live;
    const started = performance.now();
    const { meta, rowsRead } = new MetaRow(this.sql).read();
    if (!meta) throw new DormantError("session_not_initialized", "this session does not exist");
    this.sql.exec(SCHEMA); // Idempotent; adds tables and indexes a newer runtime introduced.
    this.live = this.build(meta);
    this.clock.hydrated(performance.now() - started, rowsRead, trigger);
    return this.live;
  }
}
