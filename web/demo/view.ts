import type { ColdStart } from "../../src/protocol/index.ts";
import type { EngineState, MessageOrigin } from "../index.ts";

/** The badge on a message: which device model (by digest) or hosted provider computed it. */
export function badgeText(origin: MessageOrigin | null): string | null {
  if (!origin) return null;
  if (origin.kind === "hosted") return `hosted ${origin.model.split("@sha256:")[0]}`;
  if (origin.kind === "tool") return null;
  const [id, digest] = origin.model.split("@sha256:");
  const where = origin.backend ? ` · ${origin.backend}/${origin.dtype}` : "";
  return `device ${id}@${(digest ?? "").slice(0, 12)}${where}`;
}

export function describeState(state: EngineState): string {
  switch (state.status) {
    case "idle":
      return "device: idle (unloaded)";
    case "loading":
      return `device: loading ${state.rung.backend}/${state.rung.dtype}`;
    case "ready":
    case "generating":
      return `device: ${state.model.backend}/${state.model.dtype} · ${state.status}`;
    case "unavailable":
      return `device unavailable: ${state.reason}`;
    case "failed":
      return `device failed: ${state.error.code}`;
  }
}

/** The model files line once a load finished: what came over the network and what from this device. */
export function filesLoaded(model: { coldStart: ColdStart }): string {
  const { bytesDownloaded, bytesFromCache } = model.coldStart;
  if (bytesDownloaded === 0) return `loaded from this browser's cache (${mib(bytesFromCache)}), nothing downloaded`;
  return `downloaded ${mib(bytesDownloaded)}${bytesFromCache > 0 ? `, ${mib(bytesFromCache)} from cache` : ""}`;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const mib = (value: number) => `${(value / 2 ** 20).toFixed(1)} MiB`;

export function coldStartRows(c: ColdStart, extra: Record<string, number | null>): [string, string][] {
  const rows: [string, string][] = [
    ["connect (socket → welcome)", ms(c.connectMs)],
    ["cache lookup", ms(c.cacheLookupMs)],
    ["download", `${ms(c.downloadMs)} (${mib(c.bytesDownloaded)})`],
    ["verify sha256", ms(c.verifyMs)],
    ["session create / compile", ms(c.compileMs)],
    ["warm-up", ms(c.warmupMs)],
    ["first token", ms(c.firstTokenMs)],
    ["from cache", mib(c.bytesFromCache)],
  ];
  for (const [label, value] of Object.entries(extra)) if (value !== null) rows.push([label, ms(value)]);
  return rows;
}
