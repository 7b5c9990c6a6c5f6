// The SDK an app embeds: `import { createClient, Engine } from "@dormant/web"` (headless), or
// `import "@dormant/web/element"` for <dormant-chat>.
export type { PendingApproval } from "./client/approval-state.ts";
export { type Client, type ClientEvent, type ClientOptions, type ClientStatus, createClient } from "./client/client.ts";
export type { OutboxItem } from "./client/outbox.ts";
export type { MessageOrigin, TranscriptMessage } from "./client/transcript.ts";
export { DormantChat, type DormantReady, defineDormantChat } from "./element/dormant-chat.ts";
export type { SessionCredentials, SessionRequest, TokenProvider } from "./element/session-source.ts";
export type { EngineEvent, EngineOptions, EngineState, GenerateResult, LoadedModel, Rung } from "./engine/messages.ts";
export { DEFAULT_ENGINE_OPTIONS, Engine } from "./engine/page-engine.ts";
export { ClientError, type ClientErrorCode } from "./errors.ts";
export { renderApprovals } from "./ui/approval-list.ts";
export { type ConsentDialog, type ConsentDialogOptions, showConsentDialog } from "./ui/consent-dialog.ts";
export { consentPrompter } from "./ui/consent-prompt.ts";
export { renderHostedBadge } from "./ui/hosted-badge.ts";
