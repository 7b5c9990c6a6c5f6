import { DurableObject } from "cloudflare:workers";
import {
  DormantError,
  ERROR_STATUS,
  MAX_FRAME_BYTES,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  parseClientFrame,
  sha256Hex,
  type AppendResult,
  type ClientEvent,
  type ClientFrame,
  type ConsentDecision,
  type ConsentGrant,
  type DeviceUnavailableReason,
  type JournalPage,
  type SessionOptions,
  type SessionStats,
  type SessionView,
  type UncertainResolution,
  type WakeRecord,
} from "../protocol";
import { configuredProviders } from "../inference/registry";
import { defaultTools } from "../tools/registry";
import { AgentLoop } from "./agent-loop";
import { Approvals } from "./approvals";
import { Failpoints } from "./failpoints";
import { HostedSteps } from "./hosted-steps";
import { readMeta, writeMeta } from "./meta";
import { toView } from "./operations";
import { rpcError, type RpcResult } from "./rpc";
import { SCHEMA } from "./schema";
import { SessionStore } from "./session-store";
import { SessionSockets } from "./sockets";
import { ToolRunner } from "./tool-runner";
import { WakeClock } from "./wake-clock";

/** Header the API worker uses to tell the object which tenant the caller's token names. */
export const TENANT_HEADER = "x-dormant-tenant";
const JOURNAL_PAGE = 500;

/** Best effort: the `ref` of a frame that failed validation, so the client can match the error. */
function refOf(message: string | ArrayBuffer): string | null {
  if (typeof message !== "string" || message.length > MAX_FRAME_BYTES) return null;
  try {
    const ref = (JSON.parse(message) as { ref?: unknown }).ref;
    return typeof ref === "string" && ref.length <= 64 ? ref : null;
  } catch {
    return null;
  }
}

interface Live {
  loop: AgentLoop;
  approvals: Approvals;
}

/**
 * One agent session. The constructor only wires objects; storage is touched lazily by the first
 * event (hydration), which reads the meta row and nothing else. All waiting (devices, approvals,
 * timers) is rows plus the alarm, so the object can be evicted at any point between events.
 */
export class AgentSession extends DurableObject<Env> {
  private readonly wake = new WakeClock();
  private readonly sockets: SessionSockets;
  readonly failpoints: Failpoints;
  private live: Live | null = null;
  private waking: Promise<Live> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.sockets = new SessionSockets(ctx);
    this.failpoints = new Failpoints();
    this.wake.constructed();
  }

  /**
   * First event of this instance: read the meta row, then settle once, which recovers whatever a
   * crash or eviction left in flight before the event itself is handled.
   */
  private wakeUp(trigger: WakeRecord["trigger"]): Promise<Live> {
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

  private hydrate(trigger: WakeRecord["trigger"]): Live {
    if (this.live) return this.live;
    const started = performance.now();
    const sql = this.ctx.storage.sql;
    const { meta, rowsRead } = readMeta(sql);
    if (!meta) throw new DormantError("session_not_initialized", "this session does not exist");
    sql.exec(SCHEMA); // Idempotent; adds tables and indexes a newer runtime introduced.
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

  /** Every entry point: hydrate, check the tenant, run, optionally settle, record the wake. */
  private async handle<T>(
    trigger: WakeRecord["trigger"],
    tenant: string | null,
    settle: boolean,
    fn: (live: Live) => T | Promise<T>,
  ): Promise<T> {
    try {
      const live = await this.wakeUp(trigger);
      if (tenant !== null && tenant !== live.loop.store.meta.tenant) {
        throw new DormantError("forbidden", "this token is not valid for this session");
      }
      const value = await fn(live);
      if (settle) await live.loop.settle();
      return value;
    } finally {
      if (this.live) this.wake.firstEventDone(this.ctx.storage.sql);
    }
  }

  private async rpc<T>(tenant: string, settle: boolean, fn: (live: Live) => T | Promise<T>): Promise<RpcResult<T>> {
    try {
      return { ok: true, value: await this.handle("rpc", tenant, settle, fn) };
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
    return this.rpc(options.tenant, false, ({ loop }) => {
      loop.store.tx(() => loop.store.append("session.created", { tenant: options.tenant, policy: { ...options.policy } }));
      return { id, tenant: options.tenant };
    });
  }

  view(tenant: string): Promise<RpcResult<SessionView>> {
    return this.rpc(tenant, false, ({ loop }) => {
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
        consents: loop.hosted.consents.active(),
      };
    });
  }

  decideConsent(tenant: string, opKey: string, decision: ConsentDecision): Promise<RpcResult<{ opKey: string; decision: ConsentDecision; consent: ConsentGrant | null }>> {
    return this.rpc(tenant, true, ({ loop }) => ({ opKey, decision, consent: loop.hosted.decide(opKey, decision) }));
  }

  runHosted(tenant: string, opKey: string, consentId: string | null): Promise<RpcResult<{ opKey: string; consentId: string }>> {
    return this.rpc(tenant, true, ({ loop }) => ({ opKey, consentId: loop.hosted.requestHosted(opKey, consentId).id }));
  }

  revokeConsent(tenant: string, consentId: string): Promise<RpcResult<{ consentId: string; revoked: boolean }>> {
    return this.rpc(tenant, true, ({ loop }) => ({ consentId, revoked: loop.hosted.revoke(consentId, "api") }));
  }

  appendEvent(tenant: string, event: ClientEvent, idempotency: { key: string; fingerprint: string } | null): Promise<RpcResult<AppendResult>> {
    return this.rpc(tenant, true, ({ loop }) => loop.appendUserMessage(event.text, idempotency));
  }

  readJournal(tenant: string, after: number, limit: number): Promise<RpcResult<JournalPage>> {
    return this.rpc(tenant, false, ({ loop }) => loop.store.journal.read(after, limit));
  }

  decide(tenant: string, opKey: string, decision: "approve" | "reject"): Promise<RpcResult<{ opKey: string; decision: string }>> {
    return this.rpc(tenant, true, ({ approvals }) => {
      approvals.decide(opKey, decision, "api");
      return { opKey, decision };
    });
  }

  resolve(tenant: string, opKey: string, outcome: UncertainResolution): Promise<RpcResult<{ opKey: string; outcome: string }>> {
    return this.rpc(tenant, true, ({ loop }) => {
      loop.tools.resolve(opKey, outcome);
      return { opKey, outcome };
    });
  }

  stats(tenant: string): Promise<RpcResult<SessionStats>> {
    return this.rpc(tenant, false, ({ loop }) => {
      const sql = loop.store.sql;
      const recent = sql
        .exec<{ id: number; body: string }>("SELECT id, body FROM wakes ORDER BY id DESC LIMIT 10")
        .toArray();
      const wakes = recent.map((row) => JSON.parse(row.body) as WakeRecord);
      return {
        wakes: recent[0]?.id ?? 0,
        lastWake: wakes[0] ?? null,
        recentWakes: wakes,
        journal: { entries: loop.store.journal.count(), lastSeq: loop.store.journal.lastSeq() },
      };
    });
  }

  /** Only WebSocket upgrades arrive here; the API worker has checked the token already. */
  override async fetch(request: Request): Promise<Response> {
    const tenant = request.headers.get(TENANT_HEADER);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || tenant === null) {
      return Response.json(new DormantError("invalid_request", "expected a WebSocket upgrade").toBody(), { status: 400 });
    }
    try {
      await this.handle("http", tenant, false, () => undefined);
    } catch (error) {
      const body = rpcError(error);
      return Response.json({ error: body.error }, { status: ERROR_STATUS[body.error.code] });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.sockets.accept(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let frame: ClientFrame | null = null;
    try {
      if (typeof message !== "string") throw new DormantError("invalid_request", "frames must be JSON text");
      frame = parseClientFrame(message);
      await this.handle("websocket", null, true, (live) => this.onFrame(socket, frame!, live));
    } catch (error) {
      const { error: body } = rpcError(error);
      this.sockets.send(socket, { type: "error", ref: frame?.ref ?? refOf(message), code: body.code, message: body.message });
    }
  }

  /** Records a device's availability on its socket, journaled when it changes. */
  private setAvailability(socket: WebSocket, loop: AgentLoop, unavailable: DeviceUnavailableReason | null): void {
    const before = this.sockets.attachment(socket);
    if ((before.unavailable ?? null) === unavailable) return;
    this.sockets.update(socket, { unavailable });
    loop.store.tx(() =>
      loop.store.append(unavailable ? "device.unavailable" : "device.available", { client: before.clientId, reason: unavailable }),
    );
  }

  private async onFrame(socket: WebSocket, frame: ClientFrame, { loop, approvals }: Live): Promise<void> {
    const ref = frame.ref ?? null;
    const ack = (seq: number | null = null) => this.sockets.send(socket, { type: "ack", ref, seq });
    switch (frame.type) {
      case "hello": {
        const { clientId } = this.sockets.update(socket, { role: frame.role, subscribed: true, device: frame.device });
        // Leases of the retired sockets fall to settle(), which offers them again (to this socket).
        if (frame.device) this.sockets.retire(frame.device, socket);
        const { journal } = loop.store;
        this.sockets.send(socket, { type: "welcome", sessionId: loop.store.meta.id, lastSeq: journal.lastSeq(), protocol: PROTOCOL_VERSION });
        for (let page = journal.read(frame.afterSeq, JOURNAL_PAGE); page.entries.length > 0; page = journal.read(page.next, JOURNAL_PAGE)) {
          this.sockets.send(socket, { type: "journal", entries: page.entries });
        }
        if (frame.role === "device") loop.reoffer(clientId);
        return;
      }
      case "user.message": {
        const idempotency = frame.idempotencyKey === null ? null : { key: frame.idempotencyKey, fingerprint: await sha256Hex(frame.text) };
        return ack(loop.appendUserMessage(frame.text, idempotency).seq);
      }
      case "device.status":
        this.setAvailability(socket, loop, frame.available ? null : (frame.reason ?? "load_failed"));
        return ack();
      case "step.delta":
        return this.sockets.relay({ type: "step.delta", opKey: frame.opKey, text: frame.text }, socket);
      case "step.complete":
        loop.completeInference(frame.opKey, frame.leaseId, frame.output, frame.model, frame.runtime);
        return ack();
      case "step.fail":
        if (frame.code === "device_unavailable") {
          // The device cannot serve at all: mark it so, and let the router look elsewhere.
          const reason = frame.reason ?? "load_failed";
          this.setAvailability(socket, loop, reason);
          loop.releaseLease(frame.opKey, frame.leaseId, reason);
        } else {
          loop.failInference(frame.opKey, frame.leaseId, frame.code, frame.message, frame.retryable);
        }
        return ack();
      case "consent.decide":
        loop.hosted.decide(frame.opKey, frame.decision);
        return ack();
      case "consent.revoke":
        loop.hosted.revoke(frame.consentId, this.sockets.attachment(socket).clientId);
        return ack();
      case "approval.decide":
        approvals.decide(frame.opKey, frame.decision, this.sockets.attachment(socket).clientId);
        return ack();
    }
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.sockets.markClosing(socket);
    try {
      socket.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
    // Leases held by this socket go back to the router right away, not at their deadline.
    await this.handle("websocket", null, true, () => undefined).catch(() => undefined);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    await this.webSocketClose(socket, 1011, "error");
  }

  override async alarm(): Promise<void> {
    await this.handle("alarm", null, true, ({ loop, approvals }) => {
      for (const timer of loop.store.timers.takeDue(Date.now())) {
        if (timer.kind === "lease") loop.expireLease(timer.opKey, "lease_timeout");
        else if (timer.kind === "approval") approvals.expire(timer.opKey);
        else if (timer.kind === "status") loop.tools.statusTimerFired(timer.opKey);
        // `watchdog`: settle() below finds the orphaned in-flight tool and recovers it.
      }
    });
  }
}
