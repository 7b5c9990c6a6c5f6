import type { Breakers } from "../inference/breakers.ts";
import { InferenceError, type InferenceProviderV1 } from "../inference/provider.ts";
import { pickProvider } from "../inference/registry.ts";
import {
  type ConsentDecision,
  type ConsentGrant,
  type DataClass,
  type DeviceUnavailableReason,
  DormantError,
  HOSTED_PREFIX,
  type ProviderId,
  type ServerFrame,
} from "../protocol/index.ts";
import type { InferenceSteps } from "./inference-steps.ts";
import type { Leases } from "./leases.ts";
import { HOSTED_MAX_TOKENS } from "./limits.ts";
import type { OperationRecord } from "./operations.ts";
import type { SessionStore } from "./session-store.ts";

export interface HostedDeps {
  providers: Map<ProviderId, InferenceProviderV1>;
  /** Each provider's circuit breaker: a provider that keeps failing is not called until it recovers. */
  breakers: Pick<Breakers, "pass" | "report">;
  /** Streams a hosted step's text to the session's clients, as a device's deltas are. */
  relay(frame: ServerFrame): void;
  /** Keeps the object alive while a provider call is outstanding. */
  keepAlive(work: Promise<unknown>): void;
}

/**
 * Hosted inference under the session's policy and the end user's consent. A step goes hosted only
 * when a connected device said it cannot serve, the policy allows it, the step's data classes are
 * within the policy, and a valid grant covers it — checked here, on every attempt.
 */
export class HostedSteps {
  private readonly running = new Map<string, { controller: AbortController; consentId: string }>();

  constructor(
    private readonly store: SessionStore,
    private readonly leases: Leases,
    private readonly steps: InferenceSteps,
    private readonly deps: HostedDeps,
  ) {}

  isRunning(opKey: string): boolean {
    return this.running.has(opKey);
  }

  /** What a hosted step would send: the conversation, and tool results if it holds any. */
  private dataClasses(op: OperationRecord): DataClass[] {
    const { messages } = this.steps.prompt(op.attempt);
    return messages.some((m) => m.role === "tool") ? ["messages", "tool_results"] : ["messages"];
  }

  /** No device can take `op` now. `unavailable`: why the connected device said it cannot serve. */
  route(op: OperationRecord, unavailable: DeviceUnavailableReason | null): void {
    const { store } = this;
    const { policy } = store.meta;
    if (unavailable === null || policy.hosted === "never") return; // Wait for a device.
    const provider = pickProvider(policy, this.deps.providers);
    const classes = this.dataClasses(op);
    if (!provider || classes.some((c) => !policy.dataClasses.includes(c))) return;
    let grant = this.store.consents.validFor();
    const state = this.store.consents.requestState(op.opKey);
    // `allow` is the app consenting for the person; once the person revokes that, they are asked.
    const mode = policy.hosted === "allow" && this.store.consents.policyGrantRevoked() ? "ask" : policy.hosted;
    if (!grant && mode === "allow" && state === null) {
      grant = store.tx(() =>
        this.store.consents.grant(this.store.consents.describe(op.opKey, unavailable, provider, classes), "session", "policy"),
      );
    }
    if (grant) {
      const chosen = this.deps.providers.get(grant.provider);
      if (chosen) this.start(op, chosen, grant);
      return;
    }
    if (mode === "ask" && state === null) store.tx(() => this.store.consents.request(op.opKey, unavailable, provider, classes));
  }

  private start(op: OperationRecord, provider: InferenceProviderV1, grant: ConsentGrant): void {
    const { store } = this;
    const holder = `${HOSTED_PREFIX}${provider.provider}`;
    const { leaseId } = store.tx(() =>
      this.leases.acquire(op, holder, { provider: provider.provider, model: provider.modelId, consentId: grant.id }),
    );
    const controller = new AbortController();
    this.running.set(op.opKey, { controller, consentId: grant.id });
    const { opKey } = op;
    const { breakers } = this.deps;
    let called = false;
    const askedAt = Date.now();
    let firstTokenAt: number | null = null;
    const work = (async () => {
      try {
        const passage = await breakers.pass(provider.provider);
        if (!passage.allowed) {
          const wait = Math.ceil(passage.retryAfterMs / 1000);
          throw new InferenceError(
            "provider_unavailable",
            `${provider.recipient} kept failing, so it is not asked again for ${wait} s`,
            false,
          );
        }
        called = true;
        const result = await provider.generate({
          ...this.steps.prompt(op.attempt),
          maxTokens: HOSTED_MAX_TOKENS,
          signal: controller.signal,
          onDelta: (text) => {
            firstTokenAt ??= Date.now();
            this.deps.relay({ type: "step.delta", opKey, text });
          },
        });
        if (controller.signal.aborted) return;
        this.running.delete(opKey);
        await breakers.report(provider.provider, true);
        // The receipt is what this call observed: the provider's own model name and the grant used.
        const receipt = {
          ranOn: "hosted" as const,
          model: `${holder}/${result.model}`,
          consentId: grant.id,
          policyVersion: store.meta.policy.version,
        };
        const firstTokenMs = firstTokenAt === null ? null : firstTokenAt - askedAt;
        this.steps.completeInference(opKey, leaseId, { holder, output: result.output, receipt, runtime: null, firstTokenMs });
      } catch (error) {
        if (controller.signal.aborted) return; // Revoked: the revocation already moved the step.
        this.running.delete(opKey);
        const typed = error instanceof DormantError ? error : new InferenceError("provider_failed", String(error), false);
        if (called && typed instanceof InferenceError) await breakers.report(provider.provider, false);
        const retryable = typed instanceof InferenceError ? typed.retryable : false;
        this.steps.failInference(opKey, leaseId, holder, typed.code, typed.message, retryable);
      } finally {
        this.running.delete(opKey);
        await this.steps.settle();
      }
    })().catch((error: unknown) => {
      // The lease moved on meanwhile (expired, revoked): the late answer is dropped.
      if (!(error instanceof DormantError)) console.error("hosted step", opKey, error);
    });
    this.deps.keepAlive(work);
  }

  /** A person's answer to a consent request (the dialog, or the API). */
  decide(opKey: string, decision: ConsentDecision): ConsentGrant | null {
    const { store } = this;
    if (store.meta.policy.hosted === "never")
      throw new DormantError("hosted_not_allowed", "this session's policy never allows hosted inference");
    const request = this.store.consents.requestFor(opKey);
    const op = store.ops.get(opKey);
    if (!request || !op || op.status !== "not_started")
      throw new DormantError("consent_not_pending", `step ${opKey} is not waiting for consent`);
    return store.tx(() => {
      if (decision === "decline") {
        this.store.consents.decline(opKey);
        return null;
      }
      return this.store.consents.grant(request, decision === "once" ? "turn" : "session", "user");
    });
  }

  /** Runs a waiting step hosted on the strength of `consentId`; refused without a valid grant. */
  requestHosted(opKey: string, consentId: string | null): ConsentGrant {
    const { store } = this;
    if (store.meta.policy.hosted === "never")
      throw new DormantError("hosted_not_allowed", "this session's policy never allows hosted inference");
    const op = store.ops.get(opKey);
    if (op?.kind !== "inference") throw new DormantError("not_found", `no inference step ${opKey}`);
    const grant = consentId === null ? null : this.store.consents.validFor(consentId);
    if (!grant) throw new DormantError("consent_required", `a hosted step needs a valid consent grant for this turn or session`);
    if (op.status !== "not_started") throw new DormantError("operation_not_pending", `step ${opKey} is ${op.status}`);
    const provider = this.deps.providers.get(grant.provider);
    if (!provider) throw new DormantError("provider_unavailable", `provider ${grant.provider} is not configured here`);
    this.start(op, provider, grant);
    return grant;
  }

  /** Stops hosted use now: steps running on this grant are aborted and wait for a device again. */
  revoke(consentId: string, by: string): boolean {
    const { store } = this;
    return store.tx(() => {
      const revoked = this.store.consents.revoke(consentId, by);
      for (const [opKey, run] of this.running) {
        if (run.consentId !== consentId) continue;
        run.controller.abort(new DormantError("consent_required", "consent revoked"));
        this.running.delete(opKey);
        this.store.consents.markDeclined(opKey);
        const op = store.ops.get(opKey);
        if (op?.status !== "in_flight") continue;
        this.leases.end(opKey, { status: "not_started" });
        store.append("step.retry", { reason: "consent_revoked", attempt: op.attempt }, opKey);
      }
      return revoked;
    });
  }
}
