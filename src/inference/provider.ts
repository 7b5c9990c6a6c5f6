import { type ChatMessage, DormantError, type ProviderId, type ToolSpec } from "../protocol/index.ts";

/** One hosted inference step: the conversation so far and the tools the model may call. */
export interface InferenceRequestV1 {
  messages: ChatMessage[];
  tools: ToolSpec[];
  maxTokens: number;
  signal: AbortSignal;
  /** Streamed answer text as it arrives (tool calls arrive whole, in the result). */
  onDelta?: (text: string) => void;
}

export interface InferenceResultV1 {
  /** The assistant output in the session's chat format: text, or `<|call|>{"name","args"}`. */
  output: string;
  /** The model that answered, as the provider names it (the local server adds its pin). */
  model: string;
  firstTokenMs: number | null;
}

/**
 * A hosted inference provider. Versioned so a provider written against v1 keeps working when
 * a v2 adds capabilities (the Vercel AI SDK's LanguageModelV1 pattern).
 */
export interface InferenceProviderV1 {
  readonly specificationVersion: "v1";
  readonly provider: ProviderId;
  readonly modelId: string;
  /** Who receives the data, in the plain words the consent dialog shows. */
  readonly recipient: string;
  generate(request: InferenceRequestV1): Promise<InferenceResultV1>;
}

export type InferenceErrorCode = "provider_unavailable" | "provider_timeout" | "provider_failed";

/**
 * A provider's typed failure. `retryable`: nothing was streamed to anyone and the provider may
 * answer next time (connection refused, 429, 5xx, timeout before the first byte).
 */
export class InferenceError extends DormantError {
  readonly retryable: boolean;
  constructor(code: InferenceErrorCode, message: string, retryable: boolean) {
    super(code, message);
    this.retryable = retryable;
  }
}
