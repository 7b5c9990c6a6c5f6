import type { ColdStart, SessionCreated, SessionStats } from "../../src/protocol/index.ts";
import { type ClientEvent, createClient, Engine, type EngineEvent, renderApprovals, renderHostedBadge } from "../index.ts";
import { consentPrompter } from "../ui/consent-prompt.ts";
import { showEngineEvent } from "../ui/engine-view.ts";
import { renderDraft, renderMessage, renderRows } from "../ui/transcript-list.ts";
import { coldStartRows, downloadOffer, outboxText } from "../ui/view.ts";

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

function showColdStart(coldStart: ColdStart, extra: Record<string, number | null>): void {
  renderRows($("cold-start").querySelector("tbody")!, coldStartRows(coldStart, extra));
}

async function main(): Promise<void> {
  const created = await session();
  const device = (params.get("device") ?? "auto") as "auto" | "webgpu" | "wasm";
  const dtype = (params.get("dtype") ?? "auto") as "auto" | "fp32" | "q8";
  const idle = Number(params.get("idleUnloadMs") ?? 5 * 60_000);
  const fallbackAdapter = params.get("fallbackAdapter") === "allow" ? "allow" : "avoid";
  // Model bytes move only after the person chooses, unless `?download=auto` (decisions/0010).
  const download = params.get("download") === "auto" ? "auto" : "ask";
  const engine = new Engine({ baseUrl: location.origin, device, dtype, idleUnloadMs: idle, fallbackAdapter, download });
  const client = createClient({ baseUrl: location.origin, session: created.id, token: created.token, engine });
  const engineEvents: EngineEvent[] = [];
  const clientEvents: ClientEvent[] = [];
  Object.assign(window, { dormant: { client, engine, session: created, engineEvents, clientEvents } });

  const targets = {
    device: $("device"),
    notice: $("device-notice"),
    retry: $("retry-device"),
    download: $("download-status"),
    progress: $<HTMLProgressElement>("bytes-progress"),
    persistence: $("persistence"),
  };
  engine.on((event) => {
    engineEvents.push(event);
    showEngineEvent(event, targets);
    if (event.type === "ladder") log(`step down: ${event.reason}`);
    if (event.type !== "cache") return;
    if (event.event.type === "plan") log(`download planned: ${event.event.bytesToDownload} bytes in ${event.event.files} files`);
    if (event.event.type === "repaired") log(`cache: discarded ${event.event.reason} ${event.event.url}`);
  });
  const askConsent = consentPrompter(client, {
    onError: (error) => log(error.message),
    download: () => downloadOffer(engine.state),
  });
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
    if (event.type === "outbox") $("outbox").textContent = outboxText(event.items.length, event.busyUntil);
    if (event.type === "consent") {
      renderHostedBadge($("hosted-badge"), event.grants, (id) => void client.revokeConsent(id).catch((error: Error) => log(error.message)));
      askConsent(event.pending);
    }
    if (event.type === "approvals") {
      renderApprovals($("approvals"), event.pending, (opKey, decision) =>
        client.decide(opKey, decision).catch((error: Error) => log(error.message)),
      );
    }
    if (event.type === "status") $("connection").textContent = event.status;
    if (event.type === "message") renderMessage($("messages"), event.message);
    if (event.type === "delta") renderDraft($("messages"), event.opKey, client.streaming.get(event.opKey) ?? "");
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
