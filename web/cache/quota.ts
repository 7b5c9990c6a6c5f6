import { ClientError } from "../errors.ts";

/** Headroom kept free beyond the files themselves (Cache Storage has per-entry overhead). */
const HEADROOM = 1.1;

/** Throws `quota_exceeded` when `bytes` cannot fit in what the origin may still store. */
export async function checkQuota(bytes: number): Promise<void> {
  if (!navigator.storage?.estimate) return;
  const { quota, usage } = await navigator.storage.estimate();
  if (quota === undefined || usage === undefined) return;
  const free = quota - usage;
  if (bytes * HEADROOM > free) {
    throw new ClientError(
      "quota_exceeded",
      `model files need ${bytes} bytes but only ${Math.max(0, free)} of this origin's storage quota is free`,
    );
  }
}

/**
 * What `estimate()` reports is advisory (Chromium may enforce a lower quota than it reports): before
 * a download, a scratch entry of the needed size proves the space is really there, and is removed.
 */
export async function probeQuota(bytes: number): Promise<void> {
  const name = "dormant-quota-probe";
  try {
    const cache = await caches.open(name);
    // Absolute: a worker started from a blob (another origin's engine, page-engine.ts) has no base URL.
    await cache.put("https://dormant.invalid/quota-probe", new Response(new Uint8Array(Math.ceil(bytes * HEADROOM))));
  } catch (error) {
    if (error instanceof DOMException && error.name === "QuotaExceededError") {
      throw new ClientError("quota_exceeded", `model files need ${bytes} bytes but this origin's storage quota cannot hold them`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    await caches.delete(name).catch(() => false);
  }
}

let persistence: Promise<boolean> | null = null;

/**
 * Asks once per page for persistent storage, so the browser does not evict the model under storage
 * pressure. False means it may: the files can vanish between visits.
 */
export function requestPersistence(): Promise<boolean> {
  persistence ??= navigator.storage?.persist ? navigator.storage.persist().catch(() => false) : Promise.resolve(false);
  return persistence;
}
