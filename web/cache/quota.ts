import { ClientError } from "../errors.ts";

/** Headroom kept free beyond the files themselves (Cache Storage has per-entry overhead). */
const HEADROOM = 1.1;
/**
 * Left for the embedding app and our own small stores (outbox, metadata, manifests): a model that
 * would fill the origin to the brim is not a plan, so a tight quota gets the smaller variant.
 */
const RESERVE_BYTES = 8 * 2 ** 20;
const room = (bytes: number) => Math.ceil(bytes * HEADROOM) + RESERVE_BYTES;

/** Throws `quota_exceeded` when `bytes` cannot fit in what the origin may still store. */
export async function checkQuota(bytes: number): Promise<void> {
  if (!navigator.storage?.estimate) return;
  const { quota, usage } = await navigator.storage.estimate();
  if (quota === undefined || usage === undefined) return;
  const free = quota - usage;
  if (room(bytes) > free) {
    throw new ClientError(
      "quota_exceeded",
      `model files need ${bytes} bytes but only ${Math.max(0, free)} of this origin's storage quota is free`,
    );
  }
}

/**
 * What `estimate()` reports is advisory (Chromium may enforce a lower quota than it reports): before
 * a download, a scratch entry of the needed size in the same cache proves the space is really there,
 * and is removed. An entry deleted from an open cache is freed at once; a whole deleted cache is
 * freed only later, and its bytes would then count against the download itself.
 */
export async function probeQuota(cache: Cache, bytes: number): Promise<void> {
  const key = "https://dormant.invalid/quota-probe";
  try {
    await cache.put(key, new Response(new Uint8Array(room(bytes))));
  } catch (error) {
    if (error instanceof DOMException && error.name === "QuotaExceededError") {
      throw new ClientError("quota_exceeded", `model files need ${bytes} bytes but this origin's storage quota cannot hold them`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    await cache.delete(key).catch(() => false);
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
