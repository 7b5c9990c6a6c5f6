import type { ColdStart, StepEvidence } from "../../src/protocol/index.ts";
import type { CacheEvent } from "../cache/events.ts";
import type { MessageOrigin } from "../client/transcript.ts";
import type { EngineEvent, EngineState } from "../engine/messages.ts";
import type { ClientErrorCode } from "../errors.ts";

/** What the outbox line says: how many messages wait, and why when the session asked us to wait. */
export function outboxText(waiting: number, busyUntil: number | null): string {
  if (waiting === 0) return "";
  const what = `${waiting} message(s) waiting to be sent`;
  if (busyUntil === null) return what;
  const seconds = Math.max(1, Math.ceil((busyUntil - Date.now()) / 1000));
  return `${what}: the assistant is still working through earlier messages; sending again in ${seconds} s`;
}

/** The badge on a message: which device model (by digest) or hosted provider computed it. */
export function badgeText(origin: MessageOrigin | null): string | null {
  if (!origin) return null;
  if (origin.kind === "hosted") return `hosted ${origin.model.split("@sha256:")[0]}`;
  if (origin.kind === "tool") return null;
  if (origin.kind === "trigger") return `from ${origin.source} ${origin.name}`;
  const [id, digest] = origin.model.split("@sha256:");
  const where = origin.backend ? ` · ${origin.backend}/${origin.dtype}` : "";
  return `device ${id}@${(digest ?? "").slice(0, 12)}${where}`;
}

const shortPin = (model: string) => model.replace(/@sha256:([0-9a-f]{12})[0-9a-f]*/, "@$1");

/** How a step ran, in one line a reviewer reads: where, on what, under which policy and consent, how long, how it ended. */
export function evidenceText(e: StepEvidence): string {
  const where =
    e.ranOn === "session"
      ? `ran in the session (${e.tool ?? "tool"})`
      : e.ranOn === "hosted"
        ? `ran hosted (${(e.holder ?? "").replace("hosted:", "")})`
        : `ran on a device${e.backend ? ` (${e.backend}/${e.dtype})` : ""}`;
  const t = e.timings;
  const times = [
    t.queuedMs === null ? null : `waited ${t.queuedMs} ms`,
    t.totalMs === null ? null : `done after ${t.totalMs} ms`,
    t.coldStartMs === null ? null : `first step after a ${Math.round(t.coldStartMs)} ms model load`,
    t.firstTokenMs === null ? null : `first token ${Math.round(t.firstTokenMs)} ms`,
  ].filter(Boolean);
  return [
    where,
    e.model ? `model ${shortPin(e.model)}` : null,
    e.policy,
    e.consentId ? `consent ${e.consentId.slice(0, 8)}` : e.ranOn === "hosted" ? "no consent recorded" : null,
    times.join(", "),
    e.attempts > 1 ? `${e.attempts} attempts` : null,
    e.status.replace("_", " "),
  ]
    .filter(Boolean)
    .join(" · ");
}

/** Why the device failed, in words (the code stays in the state for apps). */
const FAILURES: Partial<Record<ClientErrorCode, string>> = {
  offline: "this browser is offline",
  quota_exceeded: "not enough storage left on this device for the model",
  integrity_mismatch: "a downloaded file did not match its pinned digest",
  model_load_failed: "the on-device engine could not start",
  download_failed: "the model download failed",
  manifest_invalid: "the model manifest is invalid",
  cache_cleared: "the model files were removed by the browser",
};

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
      return `device failed: ${FAILURES[state.error.code] ?? state.error.code.replaceAll("_", " ")}`;
    case "needs_download":
      return state.returning ? "device: model files removed by the browser" : "device: model not downloaded";
  }
}

/** The choice a device without its files offers, in words: what to download, and the hosted way. */
export function downloadChoice(state: { bytes: number; returning: boolean }): { text: string; button: string } {
  const size = mib(state.bytes);
  return state.returning
    ? {
        text: `Model files were removed by the browser — download again (${size}) or continue hosted (asks first).`,
        button: `Download again (${size})`,
      }
    : {
        text: `The assistant can run on this device: download ${size} once, or continue hosted (asks first).`,
        button: `Download (${size})`,
      };
}

/** The model files line once a load finished: what came over the network and what from this device. */
export function filesLoaded(model: { coldStart: ColdStart }): string {
  const { bytesDownloaded, bytesFromCache } = model.coldStart;
  if (bytesDownloaded === 0) return `loaded from this browser's cache (${mib(bytesFromCache)}), nothing downloaded`;
  return `downloaded ${mib(bytesDownloaded)}${bytesFromCache > 0 ? `, ${mib(bytesFromCache)} from cache` : ""}`;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
export const mib = (value: number) => `${(value / 2 ** 20).toFixed(1)} MiB`;

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

/** The model files line for a cache event, in words; null for events that only go to a log. */
export function downloadLine(e: CacheEvent): string | null {
  if (e.type === "progress") return `${e.filesDone}/${e.filesTotal} files · ${mib(e.bytesDone)} / ${mib(e.bytesTotal)}`;
  if (e.type === "plan")
    return `downloading ${mib(e.bytesToDownload)} (${e.files} files)${e.bytesFromCache > 0 ? `; ${mib(e.bytesFromCache)} already here` : ""}`;
  return null;
}

/**
 * The line beside the conversation about this device's model files, after `event`: the download
 * choice while files are missing, what survived a wipe, nothing once a load starts.
 */
export function deviceNotice(event: EngineEvent, current: string): string {
  if (event.type === "state" && event.state.status === "needs_download") return downloadChoice(event.state).text;
  if (event.type === "state" && event.state.status === "loading") return "";
  if (event.type === "cache" && event.event.type === "restored") return restoredLine(event.event.files);
  return current;
}

/** "Download (31.6 MiB)" while a download waits for the person, else null. */
export function downloadOffer(state: EngineState): string | null {
  return state.status === "needs_download" ? downloadChoice(state).button : null;
}

/** The device button's words: what a download would take, when one is waiting for the person. */
export function retryLabel(state: EngineState): string {
  return downloadOffer(state) ?? "Download the model again";
}

/** Said when the browser cleared this site's records but the model files survived, verified. */
export function restoredLine(files: number): string {
  return `The browser cleared this site's records of its model files; the ${files} files still here were checked against their sha256 pins and kept: nothing was downloaded.`;
}

export function persistenceLine(persisted: boolean): string {
  return persisted
    ? "Kept: the browser agreed not to evict these files."
    : "May be evicted: the browser can remove these files under storage pressure. If it does, you choose: download again, or continue hosted (asks first).";
}
