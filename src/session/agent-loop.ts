import {
  type AppendResult,
  type AssistantOutput,
  type ChatMessage,
  checkDevicePin,
  type DeviceUnavailableReason,
  DormantError,
  HOSTED_PREFIX,
  type Json,
  type LeaseOffer,
  parseAssistantOutput,
  type ToolSpec,
} from "../protocol/index.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import { fitTurns, retryShrinks } from "./context.ts";
import type { Failpoints } from "./failpoints.ts";
import { type HostedDeps, HostedSteps } from "./hosted-steps.ts";
import type { IdempotencyClaim } from "./idempotency.ts";
import type { DeviceTransport, InferenceSteps, StepAnswer } from "./inference-steps.ts";
import { Leases } from "./leases.ts";
import { CONTEXT_MESSAGES, FAILED_TURN_REPLY, MAX_ATTEMPTS, MAX_TURN_STEPS } from "./limits.ts";
import type { OperationRecord } from "./operations.ts";
import type { SessionStore } from "./session-store.ts";
import { ToolRunner } from "./tool-runner.ts";

/**
 * The agent loop as a state machine over the journal: every transition is one transaction that
 * appends journal rows and updates the projections. `settle()` drives open work as far as it can
 * go without waiting on the outside world; the alarm follows the timers inside each transaction.
 */
export class AgentLoop implements InferenceSteps {
  readonly tools: ToolRunner;
  readonly hosted: HostedSteps;
  readonly leases: Leases;
  private pumping: Promise<void> | null = null;
  private again = false;

  constructor(
    readonly store: SessionStore,
    private readonly registry: ToolRegistry,
    private readonly devices: DeviceTransport,
    /** What the loop's helpers need from the worker: its bindings, failpoints, and hosted providers. */
    deps: { env: Env; failpoints: Failpoints; hosted: HostedDeps },
  ) {
    this.leases = new Leases(store);
    this.tools = new ToolRunner(store, registry, (causeSeq, turnSteps) => this.scheduleInference(causeSeq, turnSteps), deps);
    this.hosted = new HostedSteps(store, this.leases, this, deps.hosted);
  }

  appendUserMessage(text: string, idempotency: IdempotencyClaim | null): AppendResult {
    return this.store.tx(() => this.store.idempotency.once(idempotency, () => ({ seq: this.userTurn(text, null), replayed: false })));
  }

  /**
   * Inside a transaction: a user message (`trigger`: the journal row of the event that sent it).
   * While a turn runs it waits in the bounded inbox rather than interleaving with tool results.
   */
  userTurn(text: string, trigger: number | null): number {
    const { store } = this;
    const busy = store.ops.open().length > 0;
    const entry = store.append("user.message", trigger === null ? { text, queued: busy } : { text, queued: busy, trigger });
    if (busy) store.inbox.hold(entry.seq, text);
    else this.startTurn(entry.seq, text);
    return entry.seq;
  }

  private startTurn(seq: number, text: string): void {
    this.store.conversation.add({ role: "user", content: text }, seq);
    this.scheduleInference(seq, 0);
  }

  /**
   * What an inference step sees: whole turns only. A retry sees the current turn alone, so a
   * greedy model asked again is not asked the very same question.
   */
  prompt(attempt: number): { messages: ChatMessage[]; tools: ToolSpec[] } {
    const messages = fitTurns(this.store.conversation.recent(CONTEXT_MESSAGES), attempt > 1);
    return { messages, tools: this.registry.offer(messages) };
  }

  /** Inside a transaction: a new inference step caused by journal row `causeSeq`. */
  private scheduleInference(causeSeq: number, turnSteps: number): void {
    const { store } = this;
    if (turnSteps >= MAX_TURN_STEPS) {
      this.failTurn("too_many_steps", `a turn may take at most ${MAX_TURN_STEPS} steps`);
      return;
    }
    const op = store.ops.insert({
      opKey: `${causeSeq}.infer`,
      kind: "inference",
      tool: null,
      args: null,
      effect: null,
      approval: null,
      turnSteps,
    });
    store.append("step.scheduled", { kind: "inference", turnSteps }, op.opKey);
  }

  /** Inside a transaction: the turn ends without an answer; the conversation gets a short one. */
  private failTurn(code: string, message: string): void {
    this.store.say("turn.failed", { code, message, reply: FAILED_TURN_REPLY }, null, { role: "assistant", content: FAILED_TURN_REPLY });
    this.endTurn();
  }

  /** Inside a transaction: the turn is over; start the next queued user message, if any. */
  private endTurn(): void {
    const { store } = this;
    store.consents.endTurn();
    const next = store.inbox.take();
    if (next) this.startTurn(next.seq, next.text);
  }

  /** The lease holder answered. Its receipt is built by the caller from what the session observed. */
  completeInference(opKey: string, leaseId: string, answer: StepAnswer): void {
    const op = this.leases.held(opKey, leaseId, answer.holder);
    const { receipt, runtime } = answer;
    if (receipt.ranOn === "device" && receipt.model.startsWith(HOSTED_PREFIX)) {
      throw new DormantError("invalid_request", "a device cannot stamp its answer as hosted");
    }
    if (receipt.ranOn === "device") checkDevicePin(this.store.meta.release, receipt.model);
    let parsed: AssistantOutput;
    try {
      parsed = parseAssistantOutput(answer.output);
    } catch (error) {
      if (!(error instanceof DormantError)) throw error;
      // Asked again with the same prompt, a greedy model gives the same answer: retry only if the
      // retry's context differs, else fail now.
      const changes = op.attempt === 1 && retryShrinks(this.store.conversation.recent(CONTEXT_MESSAGES));
      this.failInference(opKey, leaseId, answer.holder, error.code, error.message, changes);
      return;
    }
    const { store } = this;
    const model = receipt.model;
    const stamp = { model, runtime: runtime as Json, receipt: receipt as unknown as Json };
    // A hosted step's time to first token (a device's travels in `runtime`).
    const timing: Record<string, Json> = answer.firstTokenMs === undefined ? {} : { firstTokenMs: answer.firstTokenMs };
    // The rows this step writes say which model computed it, and on which runtime a device ran it.
    const ran = runtime?.versions ? { model, engine: runtime.versions } : { model };
    store.tx(() => {
      this.leases.end(opKey, { status: "committed" });
      if (parsed.kind === "text") {
        store.append("step.completed", { output: "text", ...stamp, ...timing }, opKey, ran);
        const message = { role: "assistant" as const, content: parsed.text };
        store.say("assistant.message", { text: parsed.text, model, receipt: stamp.receipt }, opKey, message, ran);
        this.endTurn();
      } else {
        const call = { role: "assistant" as const, toolCall: parsed.call };
        const entry = store.say(
          "step.completed",
          { output: "tool_call", toolCall: parsed.call as unknown as Json, ...stamp, ...timing },
          opKey,
          call,
          ran,
        );
        this.tools.schedule(entry.seq, parsed.call, op.turnSteps);
      }
    });
  }

  failInference(opKey: string, leaseId: string, holder: string, code: string, message: string, retryable: boolean): void {
    const op = this.leases.held(opKey, leaseId, holder);
    const { store } = this;
    store.tx(() => {
      if (retryable && op.attempt < MAX_ATTEMPTS) {
        this.leases.end(opKey, { status: "not_started", attempt: op.attempt + 1 });
        store.append("step.retry", { reason: code, message, attempt: op.attempt + 1 }, opKey);
      } else {
        this.leases.end(opKey, { status: "failed" });
        store.append("step.failed", { code, message }, opKey);
        this.failTurn(code, message);
      }
    });
  }

  /** The device cannot serve at all: the step goes back to the router without spending an attempt. */
  releaseLease(opKey: string, leaseId: string, holder: string, reason: DeviceUnavailableReason): void {
    const op = this.leases.held(opKey, leaseId, holder);
    this.store.tx(() => {
      this.leases.end(opKey, { status: "not_started" });
      this.store.append("step.retry", { reason: "device_unavailable", detail: reason, attempt: op.attempt }, opKey);
    });
  }

  /** A lease ran out or its holder went away: the step goes back to the router. */
  expireLease(opKey: string, reason: string): void {
    const op = this.store.ops.get(opKey);
    if (op?.kind !== "inference" || op.status !== "in_flight" || op.leaseId === null || op.leaseHolder === null) return;
    this.failInference(opKey, op.leaseId, op.leaseHolder, reason, `lease ended: ${reason}`, true);
  }

  /** Drives open work until only waits remain. Re-entrant calls coalesce. */
  async settle(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    const pump = async () => {
      do {
        this.again = false;
        for (const op of this.store.ops.open()) await this.advance(op);
      } while (this.again);
    };
    // Cleared when the pump ends, which may be before this assignment if it never awaited.
    const pumping = pump().finally(() => {
      if (this.pumping === pumping) this.pumping = null;
    });
    this.pumping = pumping;
    return pumping;
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
    if (!holder) {
      this.hosted.route(op, this.devices.unavailableReason());
      return;
    }
    const { leaseId, deadline } = this.store.tx(() => this.leases.acquire(op, holder));
    this.devices.offer(holder, this.leaseOffer(op, leaseId, deadline));
  }

  private leaseOffer(op: OperationRecord, leaseId: string, deadline: number): LeaseOffer {
    const { release } = this.store.meta;
    return { type: "lease.offer", opKey: op.opKey, leaseId, deadline, ...this.prompt(op.attempt), ...(release ? { model: release } : {}) };
  }

  /** Re-sends the offers a reconnecting device still holds. */
  reoffer(holder: string): void {
    for (const { op, leaseId, deadline } of this.leases.heldBy(holder)) this.devices.offer(holder, this.leaseOffer(op, leaseId, deadline));
  }
}
