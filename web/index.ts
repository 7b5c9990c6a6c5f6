// The SDK an app embeds: `import { createClient, Engine } from "dormant/web"`.
export { createClient, type Client, type ClientEvent, type ClientOptions, type ClientStatus } from "./client/client.ts";
export type { MessageOrigin, TranscriptMessage } from "./client/transcript.ts";
export { Engine, DEFAULT_ENGINE_OPTIONS } from "./engine/page-engine.ts";
export type { EngineEvent, EngineOptions, EngineState, GenerateResult, LoadedModel, Rung } from "./engine/messages.ts";
export { ClientError, type ClientErrorCode } from "./errors.ts";
export type { OutboxItem } from "./client/outbox.ts";
export { showConsentDialog, type ConsentDialog, type ConsentDialogOptions } from "./ui/consent-dialog.ts";
export { renderHostedBadge } from "./ui/hosted-badge.ts";
