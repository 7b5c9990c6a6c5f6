import { DurableObject } from "cloudflare:workers";
import {
  type AppendResult,
  type ClientEvent,
  type ClientFrame,
  type ConsentDecision,
  type ConsentGrant,
  DormantError,
  ERROR_STATUS,
  type JournalPage,
  MAX_FRAME_BYTES,
  type ModelRelease,
  PING_FRAME,
  PONG_FRAME,
  parseClientFrame,
  type ScheduleRequest,
  type ScheduleView,
  type SessionOptions,
  type SessionStats,
  type SessionView,
  type TriggerEvent,
  type UncertainResolution,
  type WakeRecord,
} from "../protocol/index.ts";
import { type Access, admit, CALLER_HEADER, type Caller, type TenantScope } from "./caller.ts";
import { runDueTimers } from "./due-timers.ts";
import { Failpoints } from "./failpoints.ts";
import { FrameRouter, oversize } from "./frame-router.ts";
import { assemble, type LiveSession, Waker } from "./live-session.ts";
import { createdRow, MetaRow } from "./meta.ts";
import { type RpcResult, rpcError } from "./rpc.ts";
import { SCHEMA } from "./schema.ts";
import { SessionSockets } from "./sockets.ts";
import { receiveTrigger } from "./trigger-intake.ts";
import { sessionStats, sessionView } from "./views.ts";

/** After an event: settle open work (a command may have made some runnable), or not (a read). */
type After = "settle" | "none";

/**
 * One agent session. The constructor only wires objects; storage is touched lazily by the first
 * event (hydration), which reads the meta row and nothing else. All waiting (devices, approvals,
 * timers) is rows plus the alarm, so the object can be evicted at any point between events.
 */
export class AgentSession extends DurableObject<Env> {
  private readonly sockets: SessionSockets;
  private readonly frames: FrameRouter;
  private readonly waker: Waker;
  readonly failpoints = new Failpoints();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.waker = new Waker(ctx.storage.sql, (meta) => assemble(ctx, env, meta, this.sockets, this.failpoints));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.sockets = new SessionSockets(ctx);
    this.frames = new FrameRouter(this.sockets);
    this.waker.constructed();
  }

  /** Every entry point: hydrate, admit the caller, run, settle if asked, record the wake. */
  private async handle<T>(
    trigger: WakeRecord["trigger"],
    access: Access,
    after: After,
    fn: (live: LiveSession) => T | Promise<T>,
  ): Promise<T> {
    try {
      const live = await this.waker.wake(trigger);
      admit(access, live.store);
      const value = await fn(live);
      if (after === "settle") await live.loop.settle();
      return value;
    } finally {
      this.waker.eventDone(after === "none");
    }
  }

  private async rpc<T>(access: Access, after: After, fn: (live: LiveSession) => T | Promise<T>): Promise<RpcResult<T>> {
    try {
      return { ok: true, value: await this.handle("rpc", access, after, fn) };
    } catch (error) {
      return rpcError(error);
    }
  }

  /** An RPC that changes nothing but what it reads. */
  private query<T>(access: Access, fn: (live: LiveSession) => T | Promise<T>): Promise<RpcResult<T>> {
    return this.rpc(access, "none", fn);
  }

  /** An RPC that may make work runnable: open work is settled before it answers. */
  private command<T>(access: Access, fn: (live: LiveSession) => T | Promise<T>): Promise<RpcResult<T>> {
    return this.rpc(access, "settle", fn);
  }

  /** `release`: the model revision the deployment serves now, kept by this session for good. */
  async init(options: SessionOptions, release: ModelRelease): Promise<RpcResult<{ id: string; tenant: string }>> {
    const [id, sql] = [this.ctx.id.toString(), this.ctx.storage.sql];
    const row = new MetaRow(sql);
    const existing = row.read().meta;
    if (existing) {
      return existing.tenant === options.tenant
        ? { ok: true, value: { id, tenant: existing.tenant } }
        : rpcError(new DormantError("conflict", "session already exists"));
    }
    sql.exec(SCHEMA);
    const meta = { ...options, id, createdAt: Date.now(), release };
    row.write(meta);
    return this.rpc(null, "none", ({ store }) => {
      store.tx(() => store.append("session.created", createdRow(meta)));
      return { id, tenant: options.tenant };
    });
  }

  /** For the app's backend minting a token: the session's tenant, if its key may act for it. */
  describe(scope: TenantScope): Promise<RpcResult<{ id: string; tenant: string }>> {
    return this.query({ scope }, ({ store }) => ({ id: store.meta.id, tenant: store.meta.tenant }));
  }

  /** Refuses token `jti` from now on, and closes its sockets. */
  revokeToken(scope: TenantScope, jti: string): Promise<RpcResult<{ jti: string; revoked: boolean }>> {
    return this.rpc({ scope }, "none", ({ store }) => {
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
    return this.query({ caller, action: "read" }, ({ store }) => sessionView(store));
  }

  decideConsent(
    caller: Caller,
    opKey: string,
    decision: ConsentDecision,
  ): Promise<RpcResult<{ opKey: string; decision: ConsentDecision; consent: ConsentGrant | null }>> {
    return this.command({ caller, action: "consent" }, ({ loop }) => ({ opKey, decision, consent: loop.hosted.decide(opKey, decision) }));
  }

  runHosted(caller: Caller, opKey: string, consentId: string | null): Promise<RpcResult<{ opKey: string; consentId: string }>> {
    return this.command({ caller, action: "consent" }, ({ loop }) => ({
      opKey,
      consentId: loop.hosted.requestHosted(opKey, consentId).id,
    }));
  }

  revokeConsent(caller: Caller, consentId: string): Promise<RpcResult<{ consentId: string; revoked: boolean }>> {
    return this.command({ caller, action: "consent" }, ({ loop }) => ({ consentId, revoked: loop.hosted.revoke(consentId, caller.role) }));
  }

  appendEvent(
    caller: Caller,
    event: ClientEvent,
    idempotency: { key: string; fingerprint: string } | null,
  ): Promise<RpcResult<AppendResult>> {
    return this.command({ caller, action: "message" }, ({ loop }) => loop.appendUserMessage(event.text, idempotency));
  }

  /** A trigger event from the queue consumer, on behalf of the event's tenant. */
  deliverTrigger(event: TriggerEvent): Promise<RpcResult<AppendResult>> {
    return this.command({ scope: [event.tenant] }, async ({ store, loop }) => {
      await this.failpoints.hit("trigger.deliver");
      return receiveTrigger(store, loop, event, Date.now());
    });
  }

  createSchedule(caller: Caller, request: ScheduleRequest): Promise<RpcResult<ScheduleView>> {
    return this.command({ caller, action: "message" }, ({ scheduler }) => scheduler.create(request, Date.now()));
  }

  listSchedules(caller: Caller): Promise<RpcResult<ScheduleView[]>> {
    return this.query({ caller, action: "read" }, ({ store }) => store.schedules.list());
  }

  cancelSchedule(caller: Caller, id: string): Promise<RpcResult<{ id: string; deleted: true }>> {
    return this.command({ caller, action: "message" }, ({ scheduler }) => scheduler.cancel(id));
  }

  readJournal(caller: Caller, after: number, limit: number): Promise<RpcResult<JournalPage>> {
    return this.query({ caller, action: "read" }, ({ store }) => store.journal.read(after, limit));
  }

  decide(caller: Caller, opKey: string, decision: "approve" | "reject"): Promise<RpcResult<{ opKey: string; decision: string }>> {
    return this.command({ caller, action: "approve" }, ({ approvals }) => {
      approvals.decide(opKey, decision, caller.role);
      return { opKey, decision };
    });
  }

  resolve(caller: Caller, opKey: string, outcome: UncertainResolution): Promise<RpcResult<{ opKey: string; outcome: string }>> {
    return this.command({ caller, action: "approve" }, ({ loop }) => {
      loop.tools.resolve(opKey, outcome);
      return { opKey, outcome };
    });
  }

  stats(caller: Caller): Promise<RpcResult<SessionStats>> {
    return this.query({ caller, action: "read" }, ({ store }) => sessionStats(store, this.env));
  }

  /** Only WebSocket upgrades arrive here; the API worker has verified the token already. */
  override async fetch(request: Request): Promise<Response> {
    const header = request.headers.get(CALLER_HEADER);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || header === null) {
      return Response.json(new DormantError("invalid_request", "expected a WebSocket upgrade").toBody(), { status: 400 });
    }
    const caller = JSON.parse(header) as Caller;
    try {
      await this.handle("http", { caller, action: "read" }, "none", () => undefined);
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
      await this.handle("websocket", { caller, action: "read" }, "settle", (live) => this.frames.route(socket, frame!, live));
    } catch (error) {
      this.frames.refuse(socket, frame, message, error);
    }
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.sockets.close(socket, code === 1005 ? 1000 : code, reason);
    // Leases held by this socket go back to the router right away, not at their deadline.
    await this.handle("websocket", null, "settle", () => undefined).catch(() => undefined);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    await this.webSocketClose(socket, 1011, "error");
  }

  override async alarm(): Promise<void> {
    await this.handle("alarm", null, "settle", (live) => runDueTimers(live, Date.now()));
  }
}
