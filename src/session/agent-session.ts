import { DurableObject } from "cloudflare:workers";
import {
  DormantError,
  ERROR_STATUS,
  MAX_FRAME_BYTES,
  PING_FRAME,
  PONG_FRAME,
  parseClientFrame,
  type AppendResult,
  type ClientEvent,
  type ClientFrame,
  type ConsentDecision,
  type ConsentGrant,
  type JournalPage,
  type SessionOptions,
  type SessionStats,
  type SessionView,
  type UncertainResolution,
  type WakeRecord,
} from "../protocol/index.ts";
import { isLocalDevelopment } from "../config/deployment.ts";
import { configuredProviders } from "../inference/registry.ts";
import { defaultTools } from "../tools/registry.ts";
import { AgentLoop } from "./agent-loop.ts";
import { Approvals } from "./approvals.ts";
import { admit, CALLER_HEADER, type Access, type Caller, type TenantScope } from "./caller.ts";
import { Failpoints } from "./failpoints.ts";
import { FrameRouter, oversize, refOf, type FrameContext } from "./frame-router.ts";
import { HostedSteps } from "./hosted-steps.ts";
import { readMeta, writeMeta } from "./meta.ts";
import { rpcError, type RpcResult } from "./rpc.ts";
import { SCHEMA } from "./schema.ts";
import { SessionStore } from "./session-store.ts";
import { SessionSockets } from "./sockets.ts";
import { ToolRunner } from "./tool-runner.ts";
import { sessionStats, sessionView } from "./views.ts";
import { WakeClock } from "./wake-clock.ts";

/**
 * One agent session. The constructor only wires objects; storage is touched lazily by the first
 * event (hydration), which reads the meta row and nothing else. All waiting (devices, approvals,
 * timers) is rows plus the alarm, so the object can be evicted at any point between events.
 */
export class AgentSession extends DurableObject<Env> {
  private readonly wake = new WakeClock();
  private readonly sockets: SessionSockets;
  private readonly frames: FrameRouter;
  readonly failpoints = new Failpoints();
  private live: FrameContext | null = null;
  private waking: Promise<FrameContext> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.sockets = new SessionSockets(ctx);
    this.frames = new FrameRouter(this.sockets);
    this.wake.constructed();
  }

  /**
   * First event of this instance: read the meta row, then settle once, which recovers whatever a
   * crash or eviction left in flight before the event itself is handled.
   */
  private wakeUp(trigger: WakeRecord["trigger"]): Promise<FrameContext> {
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

  private hydrate(trigger: WakeRecord["trigger"]): FrameContext {
    if (this.live) return this.live;
    const started = performance.now();
    const sql = this.ctx.storage.sql;
    const { meta, rowsRead } = readMeta(sql);
    if (!meta) throw new DormantError("session_not_initialized", "this session does not exist");
    sql.exec(SCHEMA); // Idempotent; adds tables and indexes a newer runtime introduced.
    if (isLocalDevelopment(this.env) && this.env.DORMANT_FAILPOINTS) this.failpoints.armFromSpec(this.env.DORMANT_FAILPOINTS, meta.tenant);
    const store = new SessionStore(this.ctx.storage, meta, (entries) => this.sockets.publish(entries));
    const providers = configuredProviders(this.env);
    const loop = new AgentLoop(
      store,
      defaultTools,
      this.sockets,
      (l) => new ToolRunner(l, this.env, this.failpoints),
      (l) => new HostedSteps(l, { providers, relay: (frame) => this.sockets.relay(frame), keepAlive: (work) => this.ctx.waitUntil(work) }),
    );
    this.live = { loop, approvals: new Approvals(loop) };
    this.wake.hydrated(performance.now() - started, rowsRead, trigger);
    return this.live;
  }

  /** Every entry point: hydrate, admit the caller, run, optionally settle, record the wake. */
  private async handle<T>(trigger: WakeRecord["trigger"], access: Access, settle: boolean, fn: (live: FrameContext) => T | Promise<T>): Promise<T> {
    try {
      const live = await this.wakeUp(trigger);
      admit(access, live.loop.store);
      const value = await fn(live);
      if (settle) await live.loop.settle();
      return value;
    } finally {
      if (this.live) this.wake.firstEventDone(this.ctx.storage.sql);
    }
  }

  private async rpc<T>(access: Access, settle: boolean, fn: (live: FrameContext) => T | Promise<T>): Promise<RpcResult<T>> {
    try {
      return { ok: true, value: await this.handle("rpc", access, settle, fn) };
    } catch (error) {
      return rpcError(error);
    }
  }

  async init(options: SessionOptions): Promise<RpcResult<{ id: string; tenant: string }>> {
    const id = this.ctx.id.toString();
    const sql = this.ctx.storage.sql;
    const existing = readMeta(sql).meta;
    if (existing) {
      return existing.tenant === options.tenant
        ? { ok: true, value: { id, tenant: existing.tenant } }
        : rpcError(new DormantError("conflict", "session already exists"));
    }
    sql.exec(SCHEMA);
    writeMeta(sql, { ...options, id, createdAt: Date.now(), modelPin: "none" });
    return this.rpc(null, false, ({ loop }) => {
      loop.store.tx(() => loop.store.append("session.created", { tenant: options.tenant, policy: { ...options.policy }, selfApproval: options.selfApproval }));
      return { id, tenant: options.tenant };
    });
  }

  /** For the app's backend minting a token: the session's tenant, if its key may act for it. */
  describe(scope: TenantScope): Promise<RpcResult<{ id: string; tenant: string }>> {
    return this.rpc({ scope }, false, ({ loop }) => ({ id: loop.store.meta.id, tenant: loop.store.meta.tenant }));
  }

  /** Refuses token `jti` from now on, and closes its sockets. */
  revokeToken(scope: TenantScope, jti: string): Promise<RpcResult<{ jti: string; revoked: boolean }>> {
    return this.rpc({ scope }, false, ({ loop }) => {
      const { store } = loop;
      const revoked = store.tx(() => {
        const fresh = store.revocations.revoke(jti);
        if (fresh) store.append("token.revoked", { jti });
        return fresh;
      });
      this.sockets.closeToken(jti);
      return { jti, revoked };
    });
  }

  view(caller: Caller): Promise<RpcResult<SessionView>> {
    return this.rpc({ caller, action: "read" }, false, ({ loop }) => sessionView(loop));
  }

  decideConsent(caller: Caller, opKey: string, decision: ConsentDecision): Promise<RpcResult<{ opKey: string; decision: ConsentDecision; consent: ConsentGrant | null }>> {
    return this.rpc({ caller, action: "consent" }, true, ({ loop }) => ({ opKey, decision, consent: loop.hosted.decide(opKey, decision) }));
  }

  runHosted(caller: Caller, opKey: string, consentId: string | null): Promise<RpcResult<{ opKey: string; consentId: string }>> {
    return this.rpc({ caller, action: "consent" }, true, ({ loop }) => ({ opKey, consentId: loop.hosted.requestHosted(opKey, consentId).id }));
  }

  revokeConsent(caller: Caller, consentId: string): Promise<RpcResult<{ consentId: string; revoked: boolean }>> {
    return this.rpc({ caller, action: "consent" }, true, ({ loop }) => ({ consentId, revoked: loop.hosted.revoke(consentId, caller.role) }));
  }

  appendEvent(caller: Caller, event: ClientEvent, idempotency: { key: string; fingerprint: string } | null): Promise<RpcResult<AppendResult>> {
    return this.rpc({ caller, action: "message" }, true, ({ loop }) => loop.appendUserMessage(event.text, idempotency));
  }

  readJournal(caller: Caller, after: number, limit: number): Promise<RpcResult<JournalPage>> {
    return this.rpc({ caller, action: "read" }, false, ({ loop }) => loop.store.journal.read(after, limit));
  }

  decide(caller: Caller, opKey: string, decision: "approve" | "reject"): Promise<RpcResult<{ opKey: string; decision: string }>> {
    return this.rpc({ caller, action: "approve" }, true, ({ approvals }) => {
      approvals.decide(opKey, decision, caller.role);
      return { opKey, decision };
    });
  }

  resolve(caller: Caller, opKey: string, outcome: UncertainResolution): Promise<RpcResult<{ opKey: string; outcome: string }>> {
    return this.rpc({ caller, action: "approve" }, true, ({ loop }) => {
      loop.tools.resolve(opKey, outcome);
      return { opKey, outcome };
    });
  }

  stats(caller: Caller): Promise<RpcResult<SessionStats>> {
    return this.rpc({ caller, action: "read" }, false, ({ loop }) => sessionStats(loop));
  }

  /** Only WebSocket upgrades arrive here; the API worker has verified the token already. */
  override async fetch(request: Request): Promise<Response> {
    const header = request.headers.get(CALLER_HEADER);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || header === null) {
      return Response.json(new DormantError("invalid_request", "expected a WebSocket upgrade").toBody(), { status: 400 });
    }
    const caller = JSON.parse(header) as Caller;
    try {
      await this.handle("http", { caller, action: "read" }, false, () => undefined);
    } catch (error) {
      const body = rpcError(error);
      return Response.json({ error: body.error }, { status: ERROR_STATUS[body.error.code] });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.sockets.accept(server, caller);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (oversize(message)) return this.sockets.close(socket, 1009, `payload_too_large: frames are at most ${MAX_FRAME_BYTES} bytes`);
    let frame: ClientFrame | null = null;
    try {
      if (typeof message !== "string") throw new DormantError("invalid_request", "frames must be JSON text");
      frame = parseClientFrame(message);
      const { caller } = this.sockets.attachment(socket);
      await this.handle("websocket", { caller, action: "read" }, true, (live) => this.frames.route(socket, frame!, live));
    } catch (error) {
      const { error: body } = rpcError(error);
      this.sockets.send(socket, { type: "error", ref: frame?.ref ?? (typeof message === "string" ? refOf(message) : null), code: body.code, message: body.message });
    }
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.sockets.close(socket, code === 1005 ? 1000 : code, reason);
    // Leases held by this socket go back to the router right away, not at their deadline.
    await this.handle("websocket", null, true, () => undefined).catch(() => undefined);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    await this.webSocketClose(socket, 1011, "error");
  }

  override async alarm(): Promise<void> {
    await this.handle("alarm", null, true, ({ loop, approvals }) => {
      for (const timer of loop.store.tx(() => loop.store.timers.takeDue(Date.now()))) {
        if (timer.kind === "lease") loop.expireLease(timer.opKey, "lease_timeout");
        else if (timer.kind === "approval") approvals.expire(timer.opKey);
        else if (timer.kind === "status") loop.tools.statusTimerFired(timer.opKey);
        // `watchdog`: settle() below finds the runnable or orphaned tool and moves it on.
      }
    });
  }
}
