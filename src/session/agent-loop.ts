import {
  DormantError,
  HOSTED_PREFIX,
  parseAssistantOutput,
  type AppendResult,
  type DeviceUnavailableReason,
  type Json,
  type LeaseOffer,
  type Receipt,
  type StepRuntime,
  type ToolCall,
} from "../protocol";
import type { ToolRegistry } from "../tools/registry";
import { ToolError } from "../tools/tool";
import type { HostedSteps } from "./hosted-steps";
import type { OperationRecord } from "./operations";
import type { SessionStore } from "./session-store";
import { ToolRunner } from "./tool-runner";

/** Inference steps one user turn may take before the turn fails (bounds tool loops). */
export const MAX_TURN_STEPS = 8;
/** Attempts an operation gets before it fails for good. */
export const MAX_ATTEMPTS = 3;
/** Messages of history an inference step is given. */
export const CONTEXT_MESSAGES = 64;

/** Where inference steps go: the session's connected device clients. */
export interface DeviceTransport {
  /** A connected device that can serve now. */
  pickDevice(): string | null;
  /** Why a connected device said it cannot serve (null when none said so). */
  unavailableReason(): DeviceUnavailableReason | null;
  isConnected(clientId: string): boolean;
  offer(clientId: string, frame: LeaseOffer): void;
}

/**
 * The agent loop as a state machine over the journal: every transition is one transaction that
 * appends journal rows and updates the projections. `settle()` drives open work as far as it can
 * go without waiting on the outside world, then points the alarm at the next timer.
 */
export class AgentLoop {
  readonly tools: ToolRunner;
  readonly hosted: HostedSteps;
  private pumping: Promise<void> | null = null;
  private again = false;

  constructor(
    readonly store: SessionStore,
    readonly registry: ToolRegistry,
    private readonly devices: DeviceTransport,
    tools: (loop: AgentLoop) => ToolRunner,
    hosted: (loop: AgentLoop) => HostedSteps,
  ) {
    this.tools = tools(this);
    this.hosted = hosted(this);
  }

  appendUserMessage(text: string, idempotency: { key: string; fingerprint: string } | null): AppendResult {
    const { store } = this;
    return store.tx(() => {
      if (idempotency) {
        const seen = store.idempotency.lookup(idempotency.key, idempotency.fingerprint);
        if (seen && !seen.sameRequest) {
          throw new DormantError("idempotency_key_reused", "this Idempotency-Key was used for a different request");
        }
        if (seen) return { ...(JSON.parse(seen.response) as AppendResult), replayed: true };
      }
      const busy = store.ops.open().length > 0;
      const entry = store.append("user.message", { text, queued: busy });
      if (busy) {
        // A turn is running: the message waits its turn rather than interleaving with tool results.
        store.sql.exec("INSERT INTO inbox (seq, text) VALUES (?, ?)", entry.seq, text);
      } else {
        store.conversation.add({ role: "user", content: text }, entry.seq);
        this.scheduleInference(entry.seq, 0);
      }
      const result: AppendResult = { seq: entry.seq, replayed: false };
      if (idempotency) store.idempotency.record(idempotency.key, idempotency.fingerprint, JSON.stringify(result));
      return result;
    });
  }

  /** Inside a transaction: a new inference step caused by journal row `causeSeq`. */
  scheduleInference(causeSeq: number, turnSteps: number): void {
    const { store } = this;
    if (turnSteps >= MAX_TURN_STEPS) {
      store.append("turn.failed", { code: "too_many_steps", message: `a turn may take at most ${MAX_TURN_STEPS} steps` });
      this.endTurn();
      return;
    }
    const op = store.ops.insert({ opKey: `${causeSeq}.infer`, kind: "inference", tool: null, args: null, effect: null, approval: null, turnSteps });
    store.append("step.scheduled", { kind: "inference", turnSteps }, op.opKey);
  }

  /** Inside a transaction: the turn is over; start the next queued user message, if any. */
  endTurn(): void {
    const { store } = this;
    this.hosted.consents.endTurn();
    const next = store.sql.exec<{ seq: number; text: string }>("SELECT seq, text FROM inbox ORDER BY seq LIMIT 1").toArray()[0];
    if (!next) return;
    store.sql.exec("DELETE FROM inbox WHERE seq = ?", next.seq);
    store.conversation.add({ role: "user", content: next.text }, next.seq);
    this.scheduleInference(next.seq, 0);
  }

  completeInference(opKey: string, leaseId: string, output: string, model: string | null, runtime: StepRuntime | null = null, consentId: string | null = null): void {
    const op = this.leased(opKey, leaseId);
    // Where a step ran is the session's own record (who held the lease), never the client's claim.
    const hosted = op.leaseHolder?.startsWith(HOSTED_PREFIX) ?? false;
    if (!hosted && model?.startsWith(HOSTED_PREFIX)) throw new DormantError("invalid_request", "a device cannot stamp its answer as hosted");
    const receipt: Receipt = { ranOn: hosted ? "hosted" : "device", model: model ?? "unknown", consentId, policyVersion: this.store.meta.policy.version };
    let parsed;
    try {
      parsed = parseAssistantOutput(output);
    } catch (error) {
      if (!(error instanceof DormantError)) throw error;
      this.failInference(opKey, leaseId, error.code, error.message, true);
      return;
    }
    const { store } = this;
    store.tx(() => {
      store.timers.clear("lease", opKey);
      store.ops.update(opKey, { status: "committed", leaseId: null });
      if (parsed.kind === "text") {
        store.append("step.completed", { output: "text", model, runtime: runtime as Json, receipt: receipt as unknown as Json }, opKey);
        store.say("assistant.message", { text: parsed.text, model, receipt: receipt as unknown as Json }, opKey, { role: "assistant", content: parsed.text });
        this.endTurn();
      } else {
        const entry = store.say("step.completed", { output: "tool_call", toolCall: parsed.call as unknown as Json, model, runtime: runtime as Json, receipt: receipt as unknown as Json }, opKey, {
          role: "assistant",
          toolCall: parsed.call,
        });
        this.scheduleTool(entry.seq, parsed.call, op.turnSteps);
      }
    });
  }

  failInference(opKey: string, leaseId: string, code: string, message: string, retryable: boolean): void {
    const op = this.leased(opKey, leaseId);
    const { store } = this;
    store.tx(() => {
      store.timers.clear("lease", opKey);
      if (retryable && op.attempt < MAX_ATTEMPTS) {
        store.ops.update(opKey, { status: "not_started", attempt: op.attempt + 1, leaseId: null, leaseHolder: null });
        store.append("step.retry", { reason: code, message, attempt: op.attempt + 1 }, opKey);
      } else {
        store.ops.update(opKey, { status: "failed", leaseId: null });
        store.append("step.failed", { code, message }, opKey);
        store.append("turn.failed", { code, message });
        this.endTurn();
      }
    });
  }

  /**
   * The device cannot serve at all (not this step's fault): the step goes back to the router
   * without spending an attempt, and the router looks elsewhere (consent-gated hosted, or waits).
   */
  releaseLease(opKey: string, leaseId: string, reason: DeviceUnavailableReason): void {
    const op = this.leased(opKey, leaseId);
    const { store } = this;
    store.tx(() => {
      store.timers.clear("lease", opKey);
      store.ops.update(opKey, { status: "not_started", leaseId: null, leaseHolder: null });
      store.append("step.retry", { reason: "device_unavailable", detail: reason, attempt: op.attempt }, opKey);
    });
  }

  /** A lease ran out or its device went away: the step goes back to the router. */
  expireLease(opKey: string, reason: string): void {
    const op = this.store.ops.get(opKey);
    if (!op || op.kind !== "inference" || op.status !== "in_flight" || op.leaseId === null) return;
    this.failInference(opKey, op.leaseId, reason, `lease ended: ${reason}`, true);
  }

  /** Inside a transaction: the model asked for a tool. Unknown tools and bad arguments fail fast. */
  scheduleTool(causeSeq: number, call: ToolCall, turnSteps: number): void {
    const { store } = this;
    const tool = this.registry.get(call.name);
    const opKey = `${causeSeq}.tool`;
    let args = call.args;
    let refusal: ToolError | null = tool ? null : new ToolError("tool_unavailable", `no tool named "${call.name}"`);
    if (tool) {
      try {
        args = tool.parseArgs(call.args);
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        refusal = error;
      }
    }
    const approval = tool?.spec.requiresApproval && !refusal ? "pending" : null;
    store.ops.insert({ opKey, kind: "tool", tool: call.name, args, effect: tool?.spec.effect ?? null, approval, turnSteps });
    store.append("step.scheduled", { kind: "tool", tool: call.name, args }, opKey);
    if (refusal) {
      this.tools.finishFailed(opKey, refusal.code, refusal.message);
    } else if (approval) {
      const expiresAt = Date.now() + store.meta.approvalTimeoutSeconds * 1000;
      store.timers.set("approval", opKey, expiresAt);
      store.append("approval.requested", { tool: call.name, args, effect: tool?.spec.effect ?? null, expiresAt }, opKey);
    }
  }

  /** Drives open work until only waits remain, then re-arms the alarm. Re-entrant calls coalesce. */
  async settle(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      try {
        do {
          this.again = false;
          for (const op of this.store.ops.open()) await this.advance(op);
        } while (this.again);
        await this.store.timers.syncAlarm();
      } finally {
        this.pumping = null;
      }
    })();
    return this.pumping;
  }

  private async advance(op: OperationRecord): Promise<void> {
    const current = this.store.ops.get(op.opKey);
    if (!current) return;
    if (current.kind === "inference") {
      if (current.status === "not_started") this.offer(current);
      else if (current.status === "in_flight" && current.leaseHolder && !this.holderAlive(current)) {
        this.expireLease(current.opKey, "device_disconnected");
        this.again = true;
      }
      return;
    }
    const progressed = await this.tools.advance(current);
    if (progressed) this.again = true;
  }

  /** A hosted step lives in this instance's memory; after an eviction it is gone and retried. */
  private holderAlive(op: OperationRecord): boolean {
    return op.leaseHolder!.startsWith(HOSTED_PREFIX) ? this.hosted.isRunning(op.opKey) : this.devices.isConnected(op.leaseHolder!);
  }

  private offer(op: OperationRecord): void {
    const holder = this.devices.pickDevice();
    if (!holder) return this.hosted.route(op, this.devices.unavailableReason());
    const { store } = this;
    const leaseId = crypto.randomUUID();
    const deadline = Date.now() + store.meta.leaseTimeoutSeconds * 1000;
    store.tx(() => {
      store.ops.update(op.opKey, { status: "in_flight", leaseId, leaseHolder: holder });
      store.timers.set("lease", op.opKey, deadline);
      store.append("step.leased", { leaseId, holder, deadline, attempt: op.attempt }, op.opKey);
    });
    this.devices.offer(holder, this.leaseOffer(op.opKey, leaseId, deadline));
  }

  private leaseOffer(opKey: string, leaseId: string, deadline: number): LeaseOffer {
    return {
      type: "lease.offer",
      opKey,
      leaseId,
      deadline,
      messages: this.store.conversation.recent(CONTEXT_MESSAGES),
      tools: this.registry.specs(),
    };
  }

  /** Re-sends the offers a reconnecting device still holds. */
  reoffer(holder: string): void {
    for (const op of this.store.ops.open()) {
      if (op.kind !== "inference" || op.status !== "in_flight" || op.leaseHolder !== holder || !op.leaseId) continue;
      const deadline = this.store.timers.dueAt("lease", op.opKey) ?? Date.now();
      this.devices.offer(holder, this.leaseOffer(op.opKey, op.leaseId, deadline));
    }
  }

  private leased(opKey: string, leaseId: string): OperationRecord {
    const op = this.store.ops.get(opKey);
    if (!op || op.kind !== "inference") throw new DormantError("not_found", `no inference step ${opKey}`);
    if (op.status !== "in_flight" || op.leaseId !== leaseId) {
      throw new DormantError("lease_mismatch", `lease ${leaseId} does not hold step ${opKey} (status ${op.status})`);
    }
    return op;
  }
}
