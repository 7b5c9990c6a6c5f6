import { sha256Hex } from "../../src/protocol/index.ts";
import { ClientError } from "../errors.ts";

/**
 * The sha256 of each engine worker bundle, written into this bundle by web/build.ts, which builds
 * the workers first (and pins them in dormant.lock.json too). Absent outside a build (unit tests).
 */
declare const __DORMANT_ENGINE_WORKERS__: Record<string, string> | undefined;
const PINS: Readonly<Record<string, string>> = typeof __DORMANT_ENGINE_WORKERS__ === "undefined" ? {} : __DORMANT_ENGINE_WORKERS__;

/** Why the worker's code could not be fetched, in the engine's terms. */
function unreachable(url: URL, detail: string): ClientError {
  return navigator.onLine === false
    ? new ClientError("offline", `the on-device engine could not start: this browser is offline and ${url.pathname} did not load`)
    : new ClientError("model_load_failed", `the on-device engine could not start: ${url.href} did not load (${detail})`);
}

/**
 * The engine worker's code, fetched and checked against the digest this page was built with before
 * anything runs it, as a blob URL of exactly those bytes. A page may start workers only from its
 * own origin anyway, so an app embedding dormant from another origin starts it the same way
 * (decisions/0010, 0016); the asset origin answers with CORS (web/build.ts writes the headers).
 * A changed bundle on the asset origin is refused here, never run.
 */
export async function verifiedWorkerUrl(url: URL): Promise<string> {
  const name = url.pathname.split("/").pop() ?? "";
  const pin = PINS[name];
  if (!pin) throw new ClientError("integrity_mismatch", `this page was built without a pin for the engine's ${name}: not started`);
  let code: ArrayBuffer;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    code = await res.arrayBuffer();
  } catch (error) {
    throw unreachable(url, error instanceof Error ? error.message : String(error));
  }
  const digest = await sha256Hex(code);
  if (digest !== pin) {
    throw new ClientError(
      "integrity_mismatch",
      `the on-device engine's code at ${url.href} is not the one this page was built with (sha256 ${digest}, pinned ${pin}): not started`,
    );
  }
  return URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
}
