import type { RuntimeVersions } from "./device.ts";

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
  /**
   * The model that computed the row's inference step: the pin a device reported for it
   * (`id@sha256:…`) or the provider's model for a hosted one (`hosted:<provider>/<model>`). Null on
   * rows no model produced (a user's message, a tool's result, an approval).
   */
  model: string | null;
  /** On a device step's rows: the inference runtime the device reported. */
  engine?: RuntimeVersions;
}
