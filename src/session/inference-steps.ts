import type { ChatMessage, DeviceUnavailableReason, LeaseOffer, Receipt, StepRuntime, ToolSpec } from "../protocol/index.ts";

/** Where inference steps go: the session's connected device clients. */
export interface DeviceTransport {
  /** A connected device that can serve now. */
  pickDevice(): string | null;
  /** Why a connected device said it cannot serve (null when none said so). */
  unavailableReason(): DeviceUnavailableReason | null;
  isConnected(clientId: string): boolean;
  offer(clientId: string, frame: LeaseOffer): void;
}

/** An inference step's answer as the session observed it: who answered, and the receipt to journal. */
export interface StepAnswer {
  holder: string;
  output: string;
  receipt: Receipt;
  runtime: StepRuntime | null;
  /** A hosted step's time from its request to the first streamed token (a device reports its own in `runtime`). */
  firstTokenMs?: number | null;
}

/**
 * What whoever computes an inference step (a device's socket, a hosted provider) may ask of the
 * agent loop: the step's prompt, and to report its outcome. The loop implements it; holders get
 * this, not the loop.
 */
export interface InferenceSteps {
  /** What the step sees at `attempt`, and the tools offered with it. */
  prompt(attempt: number): { messages: ChatMessage[]; tools: ToolSpec[] };
  /** The lease holder answered. */
  completeInference(opKey: string, leaseId: string, answer: StepAnswer): void;
  /** The lease holder failed; `retryable` says whether another attempt may be made. */
  failInference(opKey: string, leaseId: string, holder: string, code: string, message: string, retryable: boolean): void;
  /** Drives open work on after an outcome that arrived outside an event. */
  settle(): Promise<void>;
}
