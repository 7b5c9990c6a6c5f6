import type { EngineEvent } from "../engine/messages.ts";
import { describeState, deviceNotice, downloadLine, filesLoaded, persistenceLine, retryLabel } from "./view.ts";

/** Where a page shows its device: the demo's elements and <dormant-chat>'s parts. */
export interface EngineTargets {
  device: HTMLElement;
  notice: HTMLElement;
  retry: HTMLElement;
  download: HTMLElement;
  progress: HTMLProgressElement;
  persistence: HTMLElement;
}

/** Shows one engine event in words: state, the download choice or progress, what survived a wipe. */
export function showEngineEvent(event: EngineEvent, t: EngineTargets): void {
  t.notice.textContent = deviceNotice(event, t.notice.textContent ?? "");
  if (event.type === "state") {
    t.device.textContent = describeState(event.state);
    t.retry.textContent = retryLabel(event.state);
    // A load that needed no download sends no progress: say where the files came from.
    if (event.state.status === "ready") t.download.textContent = filesLoaded(event.state.model);
  }
  if (event.type !== "cache") return;
  const e = event.event;
  const line = downloadLine(e);
  if (line) t.download.textContent = line;
  if (e.type === "progress") Object.assign(t.progress, { max: Math.max(1, e.bytesTotal), value: e.bytesDone });
  if (e.type === "persistence") t.persistence.textContent = persistenceLine(e.persisted);
}
