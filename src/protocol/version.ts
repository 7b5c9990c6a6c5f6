/** Bumped when the wire format changes incompatibly; stamped on every journal row. */
export const PROTOCOL_VERSION = 1;
/** The control plane's own version; stamped on every journal row. */
export const RUNTIME_VERSION = "0.1.0";

/** The versions in force when a journal row was written. */
export interface VersionStamp {
  runtime: string;
  protocol: number;
  /** Session policy version (`policy@N`). */
  policy: string;
  /** Pinned model (`id@sha256:…`) or `none` until a model is pinned. */
  model: string;
}
