import type { ConsentGrant, ConsentRequest, DeviceUnavailableReason, JournalEntry } from "../../src/protocol/index.ts";
import type { GenerateResult } from "../engine/messages.ts";
import type { ClientError } from "../errors.ts";
import type { PendingApproval } from "./approval-state.ts";
import type { OutboxItem } from "./outbox.ts";
import type { TranscriptMessage } from "./transcript.ts";

export type ClientStatus = "connecting" | "open" | "reconnecting" | "closed";

/** What a client tells the page, in the order it learns it. */
export type ClientEvent =
  | { type: "status"; status: ClientStatus }
  | { type: "journal"; entries: JournalEntry[] }
  | { type: "message"; message: TranscriptMessage }
  | { type: "delta"; opKey: string; text: string }
  | { type: "step"; opKey: string; result: GenerateResult }
  /** Consent requests waiting for the person, and grants in force (drives the dialog and the badge). */
  | { type: "consent"; pending: ConsentRequest[]; grants: ConsentGrant[] }
  /** Actions waiting for a person's decision (decided ones leave, wherever they were decided). */
  | { type: "approvals"; pending: PendingApproval[] }
  /** This device cannot serve (reason), or can again (null). */
  | { type: "device"; unavailable: DeviceUnavailableReason | null }
  /** Messages not yet taken by the session; `busyUntil`: the session asked to wait until then (ms). */
  | { type: "outbox"; items: readonly OutboxItem[]; busyUntil: number | null }
  | { type: "error"; error: ClientError };
