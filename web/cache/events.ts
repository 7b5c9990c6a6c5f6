/** What the artifact cache reports while it works: download progress, repairs, and whether its files are kept. */
export interface CacheProgress {
  url: string;
  loaded: number;
  total: number;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export type CacheEvent =
  /** Before the first byte moves: how much will be downloaded, and how much is already here. */
  | { type: "plan"; files: number; bytesToDownload: number; bytesFromCache: number }
  | ({ type: "progress" } & CacheProgress)
  | { type: "repaired"; url: string; reason: "corrupt" | "partial" }
  /** Entries whose records were gone (IndexedDB cleared) but whose bytes hash to their pins: kept, not downloaded. */
  | { type: "restored"; files: number }
  /** After a complete download: whether the browser agreed to keep this origin's files (persist()). */
  | { type: "persistence"; persisted: boolean };
