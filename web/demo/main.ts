import type { ColdStart, SessionCreated, SessionStats } from "../../src/protocol/index.ts";
import {
  type ClientEvent,
  type ConsentDialog,
  createClient,
  Engine,
  type EngineEvent,
  renderApprovals,
  renderHostedBadge,
  showConsentDialog,
  type TranscriptMessage,
} from "../index.ts";
import { badgeText, coldStartRows, describeState, filesLoaded } from "./view.ts";

const params = new URLSearchParams(location.search);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * Reuses this app's session across reloads and tabs (a new tab continues the conversation);
 * `?fresh` starts a new one. The demo app's data policy:
 * hosted inference only after the person consents (`?hosted=never|ask|allow` to try the others).
 */
async function session(): Promise<SessionCreated> {
  const saved = localStorage.getItem("dormant.session");
  if (saved && !params.has("fresh")) return JSON.parse(saved) as SessionCreated;
  const policy = { hosted: params.get("hosted") ?? "ask" };
  // One person, their own actions: they approve them here (`?approver=separate` leaves it to an approver token).
  const selfApproval = params.get("approver") !== "separate";
  const response = await fetch("/v1/sessions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ policy, selfApproval }),
  });
  if (!response.ok) throw new Error(`creating a session failed: HTTP ${response.status} ${await response.text()}`);
  const created = (await response.json()) as SessionCreated;
  localStorage.setItem("dormant.session", JSON.stringify(created));
  return created;
}

function log(text: string): void {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $("engine-log").prepend(item);
}

function render(message: TranscriptMessage): void {
  document.querySelector(`[data-stream="${message.opKey}"]`)?.remove();
  const item = document.createElement("li");
  item.className = message.role;
  item.dataset.seq = String(message.seq);
  item.textContent = message.text;
  const badge = badgeText(message.origin);
  if (badge) {
    const span = document.createElement("span");
    span.className = `badge ${message.origin?.kind ?? ""}`;
    span.dataset.origin = message.origin?.kind ?? "";
    span.textContent = badge;
    item.append(span);
  }
  $("messages").append(item);
}

function stream(opKey: string, text: string): void {
  let item = document.querySelector<HTMLElement>(`[data-stream="${opKey}"]`);
  if (!item) {
    item = document.createElement("li");
    item.className = "assistant streaming";
    item.dataset.stream = opKey;
    $("messages").append(item);
  }
  item.textContent = text;
}

function showColdStart(coldStart: ColdStart, extra: Record<string, number | null>): void {
  const body = $("cold-start").querySelector("tbody")!;
  body.replaceChildren(
    ...coldStartRows(coldStart, extra).map(([label, value]) => {
      const row = document.createElement("tr");
      row.innerHTML = "<td></td><td></td>";
      row.cells[0]!.textContent = label;
      row.cells[1]!.textContent = value;
      return row;
    }),
  );
}

async function main(): Promise<void> {
  const created = await session();
  const device = (params.get("device") ?? "auto") as "auto" | "webgpu" | "wasm";
  const dtype = (params.get("dtype") ?? "auto") as "auto" | "fp32" | "q8";
  const idle = Number(params.get("idleUnloadMs") ?? 5 * 60_000);
  const fallbackAdapter = params.get("fallbackAdapter") === "allow" ? "allow" : "avoid";
  const engine = new Engine({ baseUrl: location.origin, device, dtype, idleUnloadMs: idle, fallbackAdapter });
  const client = createClient({ baseUrl: location.origin, session: created.id, token: created.token, engine });
  const engineEvents: EngineEvent[] = [];
  const clientEvents: ClientEvent[] = [];
  Object.assign(window, { dormant: { client, engine, session: created, engineEvents, clientEvents } });

  engine.on((event) => {
    engineEvents.push(event);
    if (event.type === "state") $("device").textContent = describeState(event.state);
    // A load that needed no download sends no progress: say where the files came from.
    if (event.type === "state" && event.state.status === "ready") $("download-status").textContent = filesLoaded(event.state.model);
    if (event.type === "ladder") log(`step down: ${event.reason}`);
    if (event.type === "cache") {
      const e = event.event;
      if (e.type === "progress") {
        const bar = $<HTMLProgressElement>("bytes-progress");
        bar.max = Math.max(1, e.bytesTotal);
        bar.value = e.bytesDone;
        $("download-status").textContent =
          `${e.filesDone}/${e.filesTotal} files · ${(e.bytesDone / 2 ** 20).toFixed(1)} / ${(e.bytesTotal / 2 ** 20).toFixed(1)} MiB`;
      } else if (e.type === "plan") {
        const cached = e.bytesFromCache > 0 ? `; ${(e.bytesFromCache / 2 ** 20).toFixed(1)} MiB already here` : "";
        $("download-status").textContent = `downloading ${(e.bytesToDownload / 2 ** 20).toFixed(1)} MiB (${e.files} files)${cached}`;
        log(`download planned: ${e.bytesToDownload} bytes in ${e.files} files`);
      } else if (e.type === "repaired") log(`cache: discarded ${e.reason} ${e.url}`);
      else if (e.type === "persistence") {
        $("persistence").textContent = e.persisted
          ? "Kept: the browser agreed not to evict these files."
          : "May be evicted: the browser can remove these files under storage pressure.";
      }
    }
  });
  let dialog: (ConsentDialog & { opKey: string }) | null = null;
  const retry = $<HTMLButtonElement>("retry-device");
  retry.addEventListener("click", () => {
    retry.disabled = true;
    client
      .retryDevice()
      .then(
        () => log("device recovered"),
        (error: Error) => log(error.message),
      )
      .finally(() => (retry.disabled = false));
  });
  client.on((event) => {
    clientEvents.push(event);
    if (event.type === "device") {
      retry.hidden = event.unavailable === null;
      if (event.unavailable) log(`device unavailable: ${event.unavailable}`);
    }
    if (event.type === "outbox") $("outbox").textContent = event.items.length ? `${event.items.length} message(s) waiting to be sent` : "";
    if (event.type === "consent") {
      renderHostedBadge($("hosted-badge"), event.grants, (id) => void client.revokeConsent(id).catch((error: Error) => log(error.message)));
      const request = event.pending[0];
      // One question at a time; a step that found another way closes its question.
      if (dialog && !event.pending.some((p) => p.opKey === dialog?.opKey)) {
        dialog.close();
        dialog = null;
      }
      if (request && !dialog) {
        const shown = Object.assign(showConsentDialog(request), { opKey: request.opKey });
        dialog = shown;
        void shown.decision
          .then((decision) => {
            if (dialog === shown) dialog = null;
            if (client.consent.pending.has(request.opKey)) return client.decideConsent(request.opKey, decision);
          })
          .catch((error: Error) => log(error.message));
      }
    }
    if (event.type === "approvals") {
      renderApprovals($("approvals"), event.pending, (opKey, decision) =>
        client.decide(opKey, decision).catch((error: Error) => log(error.message)),
      );
    }
    if (event.type === "status") $("connection").textContent = event.status;
    if (event.type === "message") render(event.message);
    if (event.type === "delta") stream(event.opKey, client.streaming.get(event.opKey) ?? "");
    if (event.type === "error") log(`${event.error.code}: ${event.error.message}`);
    if (event.type === "step" && event.result.coldStart) {
      // The server half of the cold start: the session's first wake (constructor → hydrate → event).
      const coldStart = event.result.coldStart;
      void fetch(`/v1/sessions/${created.id}/stats`, { headers: { authorization: `Bearer ${created.token}` } })
        .then((r) => r.json() as Promise<SessionStats>)
        .then((stats) => {
          const wake = stats.recentWakes.at(-1) ?? null;
          showColdStart(coldStart, {
            "server wake: constructor": wake?.constructorMs ?? null,
            "server wake: hydrate": wake?.hydrateMs ?? null,
            "server wake: first event": wake?.firstEventMs ?? null,
          });
        })
        .catch(() => showColdStart(coldStart, {}));
    }
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>("input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    client.send(text).catch((error: Error) => log(error.message));
  });
  if (!params.has("lazy"))
    engine.load().then(
      (m) => log(`loaded ${m.pin} on ${m.backend}/${m.dtype}`),
      (error: Error) => log(error.message),
    );
}

main().catch((error: Error) => {
  $("connection").textContent = `error: ${error.message}`;
});
