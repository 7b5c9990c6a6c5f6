import { ClientError } from "../errors.ts";

/** A file pinned by a manifest: where to get it and what it must hash to. */
export interface PinnedFile {
  url: string;
  sha256: string;
  bytes: number;
  /** How the cache stores it; default application/octet-stream. */
  contentType?: string;
}

/** Fetches one pinned file, reporting bytes as they arrive; never trusts the server's length. */
export async function download(
  fetcher: typeof fetch,
  file: PinnedFile,
  onBytes: (loaded: number) => void,
): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    response = await fetcher(file.url, { cache: "no-store" });
  } catch (error) {
    throw new ClientError("offline", `cannot reach ${file.url}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (!response.ok || !response.body) throw new ClientError("download_failed", `${file.url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(file.bytes);
  const reader = response.body.getReader();
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > bytes.length)
        throw new ClientError("integrity_mismatch", `${file.url}: longer than the pinned ${file.bytes} bytes`);
      bytes.set(value, loaded);
      loaded += value.length;
      onBytes(loaded);
    }
  } catch (error) {
    if (error instanceof ClientError) throw error;
    throw new ClientError("offline", `${file.url}: connection lost after ${loaded} bytes`, { cause: error });
  }
  if (loaded !== file.bytes) throw new ClientError("integrity_mismatch", `${file.url}: got ${loaded} bytes, pinned ${file.bytes}`);
  return bytes;
}
