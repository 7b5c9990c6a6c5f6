import type { ColdStart } from "../../src/protocol/index.ts";
import { type Client, createClient } from "../client/client.ts";
import { Engine } from "../engine/page-engine.ts";
import { ClientError } from "../errors.ts";
import { renderApprovals } from "../ui/approval-list.ts";
import { consentPrompter } from "../ui/consent-prompt.ts";
import { showEngineEvent } from "../ui/engine-view.ts";
import { renderHostedBadge } from "../ui/hosted-badge.ts";
import { renderDraft, renderMessage, renderRows } from "../ui/transcript-list.ts";
import { coldStartRows, downloadOffer, outboxText } from "../ui/view.ts";
import { endpointProvider, type SessionRequest, type TokenProvider } from "./session-source.ts";
import { TEMPLATE } from "./template.ts";

export interface DormantReady {
  client: Client;
  engine: Engine;
}

declare global {
  interface HTMLElementTagNameMap {
    "dormant-chat": DormantChat;
  }
  interface HTMLElementEventMap {
    "dormant-ready": CustomEvent<DormantReady>;
    "dormant-error": CustomEvent<ClientError>;
  }
}

const DEVICES = ["auto", "webgpu", "wasm"] as const;
const DTYPES = ["auto", "fp32", "q8"] as const;
const HOSTED = ["never", "ask", "allow"] as const;
const DOWNLOAD = ["ask", "auto"] as const;
const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T =>
  allowed.includes(value as T) ? (value as T) : fallback;

/**
 * `<dormant-chat>`: the conversation, where each message ran, downloads, the consent question and
 * hosted badge, pending approvals and the cold start, in one element (no framework).
 *
 * Attributes: `api-base` (the dormant Worker; default this page's origin), `asset-base` (where the
 * engine, model and runtime files are served; default `api-base`), `token-endpoint` (a route of the
 * app's own backend that returns `{ id, token }`), `device` (auto | webgpu | wasm), `dtype` (auto |
 * fp32 | q8), `download` (ask | auto: whether model bytes wait for the person's choice; default ask),
 * `hosted` (never | ask | allow: the app's policy, sent to its token endpoint),
 * `placeholder`. Or set the `tokenProvider` property before the element connects. Fires
 * `dormant-ready` with `{ client, engine }` once it has joined its session, `dormant-error` with a
 * ClientError otherwise.
 */
export class DormantChat extends HTMLElement {
  tokenProvider: TokenProvider | null = null;
  client: Client | null = null;
  engine: Engine | null = null;
  private readonly root: ShadowRoot;
  private started = false;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.root.innerHTML = TEMPLATE;
    // Once per element, not per connection: a re-attached element must not send a message twice.
    this.$("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = this.$<HTMLInputElement>("input");
      const text = input.value.trim();
      if (!text || !this.client) return;
      input.value = "";
      this.client.send(text).catch((error: Error) => this.say(error.message));
    });
    const retry = this.$<HTMLButtonElement>("retry");
    retry.addEventListener("click", () => {
      if (!this.client) return;
      retry.disabled = true;
      this.client
        .retryDevice()
        .catch((error: Error) => this.say(error.message))
        .finally(() => (retry.disabled = false));
    });
  }

  private $<T extends HTMLElement>(id: string): T {
    return this.root.getElementById(id) as T;
  }

  connectedCallback(): void {
    if (this.started) return;
    this.started = true;
    // Properties an app sets right after appending the element still apply.
    queueMicrotask(() =>
      this.start().catch((error: unknown) => {
        const typed = error instanceof ClientError ? error : new ClientError("no_session", String(error));
        this.$("status").textContent = `not connected: ${typed.message}`;
        this.dispatchEvent(new CustomEvent("dormant-error", { detail: typed }));
      }),
    );
  }

  disconnectedCallback(): void {
    this.client?.close();
    this.engine?.terminate();
    this.client = this.engine = null;
    this.started = false;
  }

  private async start(): Promise<void> {
    const apiBase = this.getAttribute("api-base") ?? location.origin;
    const endpoint = this.getAttribute("token-endpoint");
    const provider = this.tokenProvider ?? (endpoint ? endpointProvider(endpoint) : null);
    if (!provider) throw new ClientError("no_session", "set a token-endpoint attribute or a tokenProvider");
    const request: SessionRequest = { hosted: pick(this.getAttribute("hosted"), HOSTED, "ask") };
    const session = await provider(request);
    this.$<HTMLInputElement>("input").placeholder = this.getAttribute("placeholder") ?? "";
    const engine = new Engine({
      baseUrl: this.getAttribute("asset-base") ?? apiBase,
      device: pick(this.getAttribute("device"), DEVICES, "auto"),
      dtype: pick(this.getAttribute("dtype"), DTYPES, "auto"),
      download: pick(this.getAttribute("download"), DOWNLOAD, "ask"),
    });
    const client = createClient({ baseUrl: apiBase, session: session.id, token: session.token, engine });
    this.engine = engine;
    this.client = client;
    this.watchEngine(engine);
    this.watchClient(client, engine);
    // Learn at once whether the files are here; if not, the person sees the choice before asking anything.
    engine.load().catch(() => undefined);
    this.dispatchEvent(new CustomEvent("dormant-ready", { detail: { client, engine } }));
  }

  private say(text: string): void {
    this.$("outbox").textContent = text;
  }

  private watchEngine(engine: Engine): void {
    const targets = {
      device: this.$("device"),
      notice: this.$("notice"),
      retry: this.$("retry"),
      download: this.$("download"),
      progress: this.$<HTMLProgressElement>("progress"),
      persistence: this.$("persistence"),
    };
    engine.on((event) => showEngineEvent(event, targets));
  }

  private watchClient(client: Client, engine: Engine): void {
    const messages = this.$("messages");
    const askConsent = consentPrompter(client, {
      parent: this.root,
      onError: (error) => this.say(error.message),
      download: () => downloadOffer(engine.state),
    });
    client.on((event) => {
      if (event.type === "status") this.$("status").textContent = event.status;
      if (event.type === "message") renderMessage(messages, event.message);
      if (event.type === "delta") renderDraft(messages, event.opKey, client.streaming.get(event.opKey) ?? "");
      if (event.type === "outbox") this.say(outboxText(event.items.length, event.busyUntil));
      if (event.type === "device") this.$("retry").hidden = event.unavailable === null;
      if (event.type === "error") this.say(event.error.message);
      if (event.type === "approvals")
        renderApprovals(this.$("approvals"), event.pending, (opKey, decision) =>
          client.decide(opKey, decision).catch((error: Error) => this.say(error.message)),
        );
      if (event.type === "consent") {
        renderHostedBadge(
          this.$("hosted"),
          event.grants,
          (id) => void client.revokeConsent(id).catch((error: Error) => this.say(error.message)),
        );
        askConsent(event.pending);
      }
      if (event.type === "step" && event.result.coldStart) this.showColdStart(event.result.coldStart);
    });
  }

  private showColdStart(coldStart: ColdStart): void {
    const rows = coldStartRows(coldStart, {});
    // Threads need a cross-origin isolated page; the engine runs one WASM thread either way (decisions/0005).
    rows.push(["WASM threads", crossOriginIsolated ? "1 (page is cross-origin isolated)" : "1 (page is not cross-origin isolated)"]);
    renderRows(this.$("cold-start"), rows);
  }
}

/** Registers `<dormant-chat>` once (a second call, or a second copy of the package, is a no-op). */
export function defineDormantChat(name = "dormant-chat"): void {
  if (!customElements.get(name)) customElements.define(name, class extends DormantChat {});
}
