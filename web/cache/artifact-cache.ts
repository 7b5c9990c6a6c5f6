import { createStore, del, get, set, type UseStore } from "idb-keyval";
import { sha256Hex } from "../../src/protocol/index.ts";
import { ClientError } from "../errors.ts";
import { download, type PinnedFile } from "./download.ts";
import type { CacheEvent } from "./events.ts";
import { checkQuota, probeQuota, requestPersistence } from "./quota.ts";

export type { PinnedFile } from "./download.ts";
export type { CacheEvent, CacheProgress } from "./events.ts";

/** What one `load` cost, per phase; feeds the cold start breakdown. */
export interface CacheLoad {
  files: Map<string, Uint8Array<ArrayBuffer>>;
  cacheLookupMs: number;
  downloadMs: number;
  verifyMs: number;
  bytesDownloaded: number;
  bytesFromCache: number;
}

/** What a load would have to download: before any byte moves, so the person can be asked. */
export interface DownloadPlan {
  files: number;
  bytes: number;
  /** Some missing file was stored here before (its metadata row survived the entry). */
  returning: boolean;
}

interface StoredMeta {
  sha256: string;
  bytes: number;
  storedAt: number;
}

/**
 * Pinned artifacts in Cache Storage, with a metadata row per file in IndexedDB (idb-keyval). A file
 * is used only after its bytes hash to the pin — on every load, not just after download — so a
 * tampered, truncated or stale entry is discarded and fetched again (or refused when offline).
 * A row is written after each complete `put`; an entry whose row is gone (IndexedDB alone was
 * cleared) is still used when its bytes hash to the pin, and gets its row back.
 */
export class ArtifactCache {
  private readonly cacheName: string;
  private readonly meta: UseStore;
  private readonly fetcher: typeof fetch;

  constructor(options: { cacheName?: string; fetch?: typeof fetch } = {}) {
    this.cacheName = options.cacheName ?? "dormant-artifacts";
    this.meta = createStore(`${this.cacheName}-meta`, "files");
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The last manifest fetched from `url`: pins stay usable offline, files still verified against them. */
  async lastKnown<T>(url: string, fetchJson: (url: string) => Promise<T>): Promise<T> {
    const key = `manifest:${url}`;
    try {
      const value = await fetchJson(url);
      await set(key, value, this.meta);
      return value;
    } catch (error) {
      const saved = await get<T>(key, this.meta);
      if (saved === undefined || !(error instanceof ClientError && error.code === "offline")) throw error;
      return saved;
    }
  }

  /** True when every file has a complete entry recorded with the pinned digest (no hashing). */
  async isCached(files: PinnedFile[]): Promise<boolean> {
    const cache = await caches.open(this.cacheName);
    for (const file of files) {
      const meta = await get<StoredMeta>(file.url, this.meta);
      if (meta?.sha256 !== file.sha256 || !(await cache.match(file.url))) return false;
    }
    return true;
  }

  /** What `load` would download now; reads entries' presence only, no bytes moved or hashed. */
  async plan(files: PinnedFile[]): Promise<DownloadPlan> {
    const cache = await caches.open(this.cacheName);
    const plan: DownloadPlan = { files: 0, bytes: 0, returning: false };
    for (const file of files) {
      if (await cache.match(file.url)) continue;
      plan.files++;
      plan.bytes += file.bytes;
      plan.returning ||= (await get<StoredMeta>(file.url, this.meta)) !== undefined;
    }
    return plan;
  }

  /** Before any byte is fetched: `quota_exceeded` when `bytes` cannot fit, rather than half-fill the cache. */
  async ensureRoom(bytes: number): Promise<void> {
    await checkQuota(bytes);
    await probeQuota(await caches.open(this.cacheName), bytes);
  }

  /** The stored entry itself, for a reader that needs a Response (a streaming wasm compile). */
  async entry(file: PinnedFile): Promise<Response | undefined> {
    return (await caches.open(this.cacheName)).match(file.url);
  }

  async delete(files: PinnedFile[]): Promise<void> {
    const cache = await caches.open(this.cacheName);
    for (const file of files) {
      await del(file.url, this.meta);
      await cache.delete(file.url);
    }
  }

  /**
   * Verified bytes for every file: from the cache where intact, else downloaded, verified, stored.
   * `evicted: "fail"` refuses (ClientError cache_cleared, nothing changed) when files this cache held
   * are gone: the caller may rather offer an alternative than silently download again. `verified`
   * hears of each file as soon as its bytes are verified, in `files` order, so the caller can start
   * on the first files while the rest are read or downloaded.
   */
  async load(
    files: PinnedFile[],
    emit: (event: CacheEvent) => void = () => undefined,
    options: { evicted?: "download" | "fail"; verified?: (file: PinnedFile, bytes: Uint8Array) => void } = {},
  ): Promise<CacheLoad> {
    const cache = await caches.open(this.cacheName);
    const out: CacheLoad = { files: new Map(), cacheLookupMs: 0, downloadMs: 0, verifyMs: 0, bytesDownloaded: 0, bytesFromCache: 0 };
    const missing: PinnedFile[] = [];
    let restored = 0;
    const lookupStarted = performance.now();
    for (const file of files) {
      const [response, meta] = await Promise.all([cache.match(file.url), get<StoredMeta>(file.url, this.meta)]);
      if (!response) {
        if (meta && options.evicted === "fail") throw new ClientError("cache_cleared", `${file.url} was cached on this device and is gone`);
        if (meta) await del(file.url, this.meta);
        missing.push(file);
        continue;
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      const verifyStarted = performance.now();
      const intact =
        (meta === undefined || meta.sha256 === file.sha256) && bytes.length === file.bytes && (await sha256Hex(bytes)) === file.sha256;
      out.verifyMs += performance.now() - verifyStarted;
      if (intact) {
        if (!meta) {
          await this.remember(file, bytes.length);
          restored++;
        }
        out.files.set(file.url, bytes);
        options.verified?.(file, bytes);
        out.bytesFromCache += bytes.length;
        continue;
      }
      emit({ type: "repaired", url: file.url, reason: meta ? "corrupt" : "partial" });
      await this.delete([file]);
      missing.push(file);
    }
    out.cacheLookupMs = performance.now() - lookupStarted - out.verifyMs;
    if (restored > 0) emit({ type: "restored", files: restored });
    if (missing.length === 0) return out;

    const needed = missing.reduce((sum, f) => sum + f.bytes, 0);
    await this.ensureRoom(needed);
    emit({ type: "plan", files: missing.length, bytesToDownload: needed, bytesFromCache: out.bytesFromCache });
    const written: PinnedFile[] = [];
    const downloadStarted = performance.now();
    const verifyBefore = out.verifyMs;
    let bytesDone = 0;
    try {
      for (const [index, file] of missing.entries()) {
        const bytes = await download(this.fetcher, file, (loaded) =>
          emit({
            type: "progress",
            url: file.url,
            loaded,
            total: file.bytes,
            filesDone: index,
            filesTotal: missing.length,
            bytesDone: bytesDone + loaded,
            bytesTotal: needed,
          }),
        );
        const verifyStarted = performance.now();
        const digest = await sha256Hex(bytes);
        out.verifyMs += performance.now() - verifyStarted;
        if (digest !== file.sha256) {
          throw new ClientError("integrity_mismatch", `${file.url}: sha256 ${digest} does not match the pinned ${file.sha256}`);
        }
        written.push(file);
        await this.store(cache, file, bytes);
        bytesDone += bytes.length;
        out.files.set(file.url, bytes);
        options.verified?.(file, bytes);
        out.bytesDownloaded += bytes.length;
      }
      emit({
        type: "progress",
        url: "",
        loaded: 0,
        total: 0,
        filesDone: missing.length,
        filesTotal: missing.length,
        bytesDone,
        bytesTotal: needed,
      });
    } catch (error) {
      await this.delete(written).catch(() => undefined);
      throw error;
    }
    out.downloadMs = performance.now() - downloadStarted - (out.verifyMs - verifyBefore);
    // Once the files are whole, ask the browser to keep them; whether it will is worth telling.
    emit({ type: "persistence", persisted: await requestPersistence() });
    return out;
  }

  private async store(cache: Cache, file: PinnedFile, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    try {
      await cache.put(
        file.url,
        new Response(bytes, {
          headers: { "content-type": file.contentType ?? "application/octet-stream", "content-length": String(bytes.length) },
        }),
      );
    } catch (error) {
      if (error instanceof DOMException && error.name === "QuotaExceededError") {
        throw new ClientError("quota_exceeded", `storage quota exhausted while caching ${file.url}`, { cause: error });
      }
      throw error;
    }
    await this.remember(file, bytes.length);
  }

  private remember(file: PinnedFile, bytes: number): Promise<void> {
    return set(file.url, { sha256: file.sha256, bytes, storedAt: Date.now() } satisfies StoredMeta, this.meta);
  }
}
