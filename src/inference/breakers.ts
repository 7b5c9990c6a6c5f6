import { jsonVar } from "../config/json-var.ts";
import { DormantError, type ProviderHealth, type ProviderId } from "../protocol/index.ts";
import type { StubSurface } from "../storage/stub-surface.ts";
import type { BreakerConfig, Passage, ProviderBreaker } from "./breaker.ts";

export const DEFAULT_BREAKER: BreakerConfig = { failures: 3, cooldownMs: 30_000 };

/** What hosted steps and `/stats` need of the breakers. */
export interface Breakers {
  pass(provider: ProviderId): Promise<Passage>;
  report(provider: ProviderId, ok: boolean): Promise<void>;
  snapshots(providers: readonly ProviderId[]): Promise<ProviderHealth[]>;
}

/** `PROVIDER_BREAKER`: JSON `{"failures": 3, "cooldownMs": 30000}` (each optional). */
export function breakerConfig(value: string | undefined): BreakerConfig {
  const parsed = jsonVar("PROVIDER_BREAKER", value);
  if (!parsed) return DEFAULT_BREAKER;
  const config = { ...DEFAULT_BREAKER, ...parsed };
  if (!Number.isInteger(config.failures) || config.failures < 1 || !Number.isInteger(config.cooldownMs) || config.cooldownMs < 0) {
    throw new DormantError("misconfigured", 'PROVIDER_BREAKER must be JSON like {"failures": 3, "cooldownMs": 30000}');
  }
  return { failures: config.failures, cooldownMs: config.cooldownMs };
}

type Stub = StubSurface<ProviderBreaker, "pass" | "report" | "snapshot">;

/** The deployment's breakers, one object per provider. */
export function providerBreakers(env: Env): Breakers {
  const config = breakerConfig(env.PROVIDER_BREAKER);
  const stub = (provider: ProviderId) => env.PROVIDER_BREAKER_DO.get(env.PROVIDER_BREAKER_DO.idFromName(provider)) as unknown as Stub;
  return {
    pass: (provider) => stub(provider).pass(provider),
    report: async (provider, ok) => {
      await stub(provider).report(provider, ok, config);
    },
    snapshots: (providers) => Promise.all(providers.map((provider) => stub(provider).snapshot(provider))),
  };
}
