import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ModelManifest, parseLock, SESSION_DEFAULTS } from "../../src/protocol/index.ts";
import { INBOX_RETRY_AFTER_S, MAX_INBOX } from "../../src/session/limits.ts";
import { defaultTools } from "../../src/tools/registry.ts";
import { DEFAULT_TENANT_LIMITS } from "../../src/triggers/tenant-limits.ts";
import { MEMORY_SHARE } from "../../web/engine/ladder.ts";
import type { BenchResults } from "../reporter.ts";
import type { Prices } from "./cost.ts";
import type { RecordInputs } from "./record.ts";

export const ROOT = join(import.meta.dirname, "..", "..");
/** The device the budget check plans for: 2 GiB of `navigator.deviceMemory`. */
const LOW_END_DEVICE_BYTES = 2 * 2 ** 30;

const json = async <T>(path: string): Promise<T> => JSON.parse(await readFile(join(ROOT, path), "utf8")) as T;

/** The record's inputs as the repository holds them now. */
export async function repositoryInputs(): Promise<RecordInputs> {
  return {
    wranglerToml: await readFile(join(ROOT, "wrangler.toml"), "utf8"),
    lock: parseLock(await json("dormant.lock.json")),
    manifest: await json<ModelManifest>("models/manifest.json"),
    bench: await json<BenchResults>("bench/results/latest.json").catch(() => ({ sections: [] })),
    prices: await json<Prices>("bench/rdr/prices.json"),
    limits: {
      leaseTimeoutSeconds: SESSION_DEFAULTS.leaseTimeoutSeconds,
      maxInbox: MAX_INBOX,
      inboxRetryAfterS: INBOX_RETRY_AFTER_S,
      tenantPerMinute: DEFAULT_TENANT_LIMITS.perMinute,
      tenantInFlight: DEFAULT_TENANT_LIMITS.inFlight,
    },
    device: { memoryShare: MEMORY_SHARE, lowEndMemoryBytes: LOW_END_DEVICE_BYTES },
    tools: defaultTools.list().map((tool) => ({ name: tool.spec.name, maxDurationMs: tool.maxDurationMs })),
    toolWatchdogSeconds: SESSION_DEFAULTS.toolWatchdogSeconds,
  };
}
