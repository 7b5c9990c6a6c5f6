/** What the artifact cache reports while it works: download progress and repairs. */
export interface CacheProgress {
  url: string;
  loaded: number;
  total: number;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export type CacheEvent = ({ type: "progress" } & CacheProgress) | { type: "repaired"; url: string; reason: "corrupt" | "partial" };
