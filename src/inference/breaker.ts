import { DurableObject } from "cloudflare:workers";
import type { ProviderHealth, ProviderId } from "../protocol/index.ts";

type BreakerSnapshot = ProviderHealth;

export interface BreakerConfig {
  /** Failures in a row that open the breaker. */
  failures: number;
  /** How long it stays open before one probe may go. */
  cooldownMs: number;
}

export type Passage = { allowed: true; probe: boolean } | { allowed: false; retryAfterMs: number };

/** A probe that never reported (its caller died) stops blocking after this long. */
const PROBE_TIMEOUT_MS = 60_000;

/**
 * One hosted provider's circuit breaker, shared by every session (one object per provider):
 * closed until `failures` calls in a row fail, then open (calls refused at once) for the cool-down,
 * then half-open: one probe goes, and its outcome closes or re-opens it. Kept in storage, so an
 * eviction does not forget an outage.
 */
export class ProviderBreaker extends DurableObject<Env> {
  private async load(provider: ProviderId): Promise<BreakerSnapshot & { probeSince: number | null }> {
    const saved = await this.ctx.storage.get<BreakerSnapshot & { probeSince: number | null }>("breaker");
    return saved ?? { provider, state: "closed", failures: 0, retryAt: null, openedAt: null, probeSince: null };
  }

  async pass(provider: ProviderId, now = Date.now()): Promise<Passage> {
    const b = await this.load(provider);
    if (b.state === "closed") return { allowed: true, probe: false };
    if (b.state === "open" && now < (b.retryAt ?? 0)) return { allowed: false, retryAfterMs: (b.retryAt ?? now) - now };
    if (b.state === "half_open" && b.probeSince !== null && now - b.probeSince < PROBE_TIMEOUT_MS) {
      return { allowed: false, retryAfterMs: 1000 };
    }
    await this.ctx.storage.put("breaker", { ...b, state: "half_open", probeSince: now });
    return { allowed: true, probe: true };
  }

  async report(provider: ProviderId, ok: boolean, config: BreakerConfig, now = Date.now()): Promise<BreakerSnapshot> {
    const b = await this.load(provider);
    const failures = ok ? 0 : b.failures + 1;
    const opens = !ok && (b.state === "half_open" || failures >= config.failures);
    const next = ok
      ? { provider, state: "closed" as const, failures: 0, retryAt: null, openedAt: null, probeSince: null }
      : opens
        ? { provider, state: "open" as const, failures, retryAt: now + config.cooldownMs, openedAt: now, probeSince: null }
        : { ...b, failures };
    await this.ctx.storage.put("breaker", next);
    const { probeSince: _, ...snapshot } = next;
    return snapshot;
  }

  async snapshot(provider: ProviderId, now = Date.now()): Promise<BreakerSnapshot> {
    const { probeSince: _, ...b } = await this.load(provider);
    // An open breaker whose cool-down ran out lets the next call probe: that is half-open.
    return b.state === "open" && now >= (b.retryAt ?? 0) ? { ...b, state: "half_open" } : b;
  }
}
