import { DormantError, type Json, type ToolCall, type UncertainResolution } from "../protocol/index.ts";
import { withDeadline } from "../tools/deadline.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import type { EffectStatus, Tool, ToolContext } from "../tools/tool.ts";
import { ToolError } from "../tools/tool.ts";
import type { Failpoints } from "./failpoints.ts";
import { MAX_ATTEMPTS, STATUS_RETRY_MS } from "./limits.ts";
import type { OperationRecord } from "./operations.ts";
import type { SessionStore } from "./session-store.ts";

/**
 * Runs tool operations and owns their failure semantics. The operation is marked `in_flight` in
 * storage before the effect starts, so a crash leaves evidence: on the next wake an orphaned
 * `in_flight` tool is retried if its effect is none/idempotent, and becomes `effect_uncertain`
 * (never blindly re-run) if it is external. A tool that can run or is running always has a
 * watchdog timer (and so an armed alarm): a crash at any step boundary is found by the alarm.
 */
/** Inside a transaction: the model takes the turn's next step, caused by journal row `causeSeq`. */
export type NextStep = (causeSeq: number, turnSteps: number) => void;

export class ToolRunner {
  /** Uncertain operations whose status was already asked in this instance (until a timer clears it). */
  private readonly statusAsked = new Set<string>();

  constructor(
    private readonly store: SessionStore,
    private readonly registry: Pick<ToolRegistry, "get">,
    private readonly next: NextStep,
    /** The worker's bindings (tools reach providers through them) and the crash levers. */
    private readonly deps: { env: Env; failpoints: Failpoints },
  ) {}

  /** Inside a transaction: the model asked for a tool. Unknown tools and bad arguments fail fast. */
  schedule(causeSeq: number, call: ToolCall, turnSteps: number): void {
    const { store, registry } = this;
    const tool = registry.get(call.name);
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
      this.finishFailed(opKey, refusal.code, refusal.message);
    } else if (approval) {
      const expiresAt = Date.now() + store.meta.approvalTimeoutSeconds * 1000;
      store.timers.set("approval", opKey, expiresAt);
      store.append("approval.requested", { tool: call.name, args, effect: tool?.spec.effect ?? null, expiresAt }, opKey);
    } else {
      this.armWatchdog(opKey);
    }
  }

  /** Moves one tool operation forward if it can move without outside input. True if it did. */
  async advance(op: OperationRecord): Promise<boolean> {
    const tool = op.tool ? this.registry.get(op.tool) : undefined;
    if (!tool) {
      if (op.status !== "not_started" && op.status !== "in_flight") return false;
      this.store.tx(() => this.finishFailed(op.opKey, "tool_unavailable", `no tool named "${op.tool}"`));
      return true;
    }
    switch (op.status) {
      case "not_started":
        if (op.approval !== null && op.approval !== "granted") return false;
        await this.run(op, tool);
        return true;
      case "in_flight":
        // settle() never overlaps itself, so an in_flight tool seen here was orphaned by a crash.
        this.recover(op, tool);
        return true;
      case "effect_uncertain":
        if (!tool.status || this.statusAsked.has(op.opKey)) return false;
        await this.askStatus(op, tool);
        return true;
      default:
        return false;
    }
  }

  /** Inside a transaction: if nothing moves `opKey` on before this deadline, the alarm wakes the session. */
  armWatchdog(opKey: string): void {
    this.store.timers.set("watchdog", opKey, this.watchdogDeadline());
  }

  private watchdogDeadline(): number {
    return Date.now() + this.store.meta.toolWatchdogSeconds * 1000;
  }

  private context(op: OperationRecord): ToolContext {
    const { store } = this;
    return { idempotencyKey: `${store.meta.id}/${op.opKey}`, tenant: store.meta.tenant, env: this.deps.env, notes: store.notebook };
  }

  private async run(op: OperationRecord, tool: Tool): Promise<void> {
    const { store } = this;
    await this.deps.failpoints.hit("tool.before_start");
    store.tx(() => {
      store.ops.update(op.opKey, { status: "in_flight" });
      this.armWatchdog(op.opKey);
      store.append("step.started", { tool: tool.spec.name, attempt: op.attempt }, op.opKey);
    });
    await this.deps.failpoints.hit("tool.before_effect");
    let result: Json;
    try {
      result = await withDeadline(tool.execute(op.args ?? {}, this.context(op)), tool);
    } catch (error) {
      this.afterError(op, tool, error);
      return;
    }
    await this.deps.failpoints.hit("tool.after_effect");
    store.tx(() => this.commit(op, result, "executed"));
    await this.deps.failpoints.hit("tool.after_commit");
  }

  private afterError(op: OperationRecord, tool: Tool, error: unknown): void {
    const { store } = this;
    const message = error instanceof Error ? error.message : String(error);
    store.tx(() => {
      if (error instanceof ToolError && !error.retryable) {
        this.finishFailed(op.opKey, error.code, message);
      } else if (error instanceof ToolError || tool.spec.effect !== "external") {
        this.retry(op, "tool_error", message);
      } else {
        // The provider may or may not have acted: only a status query or a person can tell.
        this.markUncertain(op, tool, message);
      }
    });
  }

  private recover(op: OperationRecord, tool: Tool): void {
    this.store.tx(() => {
      if (tool.spec.effect === "external") this.markUncertain(op, tool, "interrupted while in flight");
      else this.retry(op, "interrupted", "the session restarted while the tool ran");
    });
  }

  private markUncertain(op: OperationRecord, tool: Tool, reason: string): void {
    const { store } = this;
    store.timers.clear("watchdog", op.opKey);
    // The status query runs next; should the session die first, this timer wakes it to ask.
    if (tool.status) store.timers.set("status", op.opKey, this.watchdogDeadline());
    store.ops.update(op.opKey, { status: "effect_uncertain" });
    store.append("step.effect_uncertain", { tool: tool.spec.name, reason, resolvable: tool.status !== undefined }, op.opKey);
  }

  private async askStatus(op: OperationRecord, tool: Tool): Promise<void> {
    const { store } = this;
    this.statusAsked.add(op.opKey);
    let status: EffectStatus;
    try {
      status = await tool.status!(op.args ?? {}, this.context(op));
    } catch {
      store.tx(() => store.timers.set("status", op.opKey, Date.now() + STATUS_RETRY_MS));
      return;
    }
    store.tx(() => {
      if (status.state === "committed") this.commit(op, status.result, "status_query");
      else this.retry(op, "status_query_not_found", "the provider has no record of the effect");
    });
  }

  /** A `status` timer fired: the next settle() may ask the provider again. */
  statusTimerFired(opKey: string): void {
    this.statusAsked.delete(opKey);
  }

  resolve(opKey: string, outcome: UncertainResolution): void {
    const { store } = this;
    const op = store.ops.get(opKey);
    if (op?.kind !== "tool") throw new DormantError("not_found", `no tool operation ${opKey}`);
    if (op.status !== "effect_uncertain") {
      throw new DormantError("operation_not_pending", `operation ${opKey} is ${op.status}, not effect_uncertain`);
    }
    store.tx(() => {
      if (outcome === "committed") this.commit(op, { resolvedBy: "user" }, "user");
      else if (outcome === "retry") this.retry(op, "user_retry", "a person asked to run it again");
      else this.finishFailed(opKey, "abandoned", "a person abandoned the operation");
    });
  }

  private retry(op: OperationRecord, reason: string, message: string): void {
    const { store } = this;
    if (op.attempt >= MAX_ATTEMPTS) {
      this.finishFailed(op.opKey, "tool_failed", `${message} (after ${op.attempt} attempts)`);
      return;
    }
    store.timers.clear("status", op.opKey);
    this.armWatchdog(op.opKey);
    store.ops.update(op.opKey, { status: "not_started", attempt: op.attempt + 1 });
    store.append("step.retry", { reason, message, attempt: op.attempt + 1 }, op.opKey);
  }

  /** Inside a transaction: the tool's result becomes a message and the model takes the next step. */
  private commit(op: OperationRecord, result: Json, via: "executed" | "status_query" | "user"): void {
    const { store } = this;
    store.timers.clear("status", op.opKey);
    store.timers.clear("watchdog", op.opKey);
    store.ops.update(op.opKey, { status: "committed" });
    const entry = store.say("step.completed", { result, via }, op.opKey, { role: "tool", name: op.tool ?? "", content: result });
    this.next(entry.seq, op.turnSteps + 1);
  }

  /** Inside a transaction: the tool failed for good; the model is told why and answers. */
  finishFailed(opKey: string, code: string, message: string): void {
    const { store } = this;
    const op = store.ops.get(opKey);
    if (!op) return;
    store.timers.clear("watchdog", opKey);
    store.timers.clear("status", opKey);
    store.ops.update(opKey, { status: "failed" });
    const error = { error: { code, message } };
    const entry = store.say("step.failed", error, opKey, { role: "tool", name: op.tool ?? "", content: error });
    this.next(entry.seq, op.turnSteps + 1);
  }
}
