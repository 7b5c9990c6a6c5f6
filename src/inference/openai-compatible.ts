import { isRecord, type ProviderId } from "../protocol/index.ts";
import { parseToolArguments, toOpenAIMessages, toOpenAITools, toolCallOutput } from "./openai-format.ts";
import { InferenceError, type InferenceProviderV1, type InferenceRequestV1, type InferenceResultV1 } from "./provider.ts";
import { sseData } from "./sse.ts";

export interface OpenAICompatibleSettings {
  provider: ProviderId;
  /** Up to and including `/v1`, e.g. `https://api.openai.com/v1`. */
  baseURL: string;
  apiKey?: string;
  model: string;
  recipient: string;
  /** Until the response headers arrive. */
  timeoutMs?: number;
  /** Connection failures, 429 and 5xx before any byte was streamed; nothing else is retried. */
  maxRetries?: number;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Any chat-completions endpoint (OpenAI, vLLM, llama.cpp server, our local one), streamed. */
export class OpenAICompatibleProvider implements InferenceProviderV1 {
  readonly specificationVersion = "v1";
  readonly provider: ProviderId;
  readonly modelId: string;
  readonly recipient: string;

  constructor(private readonly settings: OpenAICompatibleSettings) {
    this.provider = settings.provider;
    this.modelId = settings.model;
    this.recipient = settings.recipient;
  }

  async generate(request: InferenceRequestV1): Promise<InferenceResultV1> {
    const retries = this.settings.maxRetries ?? 1;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(request);
      } catch (error) {
        if (!(error instanceof InferenceError) || !error.retryable || attempt >= retries || request.signal.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  private async open(request: InferenceRequestV1): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    const timeout = AbortSignal.timeout(this.settings.timeoutMs ?? 30_000);
    const body = {
      model: this.modelId,
      messages: toOpenAIMessages(request.messages),
      tools: toOpenAITools(request.tools),
      max_tokens: request.maxTokens,
      temperature: 0,
      stream: true,
    };
    let response: Response;
    try {
      response = await fetch(`${this.settings.baseURL.replace(/\/$/, "")}/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.any([request.signal, timeout]),
      });
    } catch (error) {
      if (timeout.aborted && !request.signal.aborted)
        throw new InferenceError(
          "provider_timeout",
          `${this.provider} did not answer within ${this.settings.timeoutMs ?? 30_000} ms`,
          true,
        );
      if (request.signal.aborted) throw error;
      throw new InferenceError(
        "provider_unavailable",
        `cannot reach ${this.provider}: ${error instanceof Error ? error.message : String(error)}`,
        true,
      );
    }
    if (!response.ok || !response.body) {
      const detail = (await response.text().catch(() => "")).slice(0, 300);
      throw new InferenceError(
        RETRY_STATUS.has(response.status) ? "provider_unavailable" : "provider_failed",
        `${this.provider} answered HTTP ${response.status}: ${detail}`,
        RETRY_STATUS.has(response.status),
      );
    }
    return response;
  }

  private async once(request: InferenceRequestV1): Promise<InferenceResultV1> {
    const started = performance.now();
    const response = await this.open(request);
    let text = "";
    let model = this.modelId;
    let firstTokenMs: number | null = null;
    const calls = new Map<number, { name: string; args: string }>();
    for await (const chunk of sseData(response.body!)) {
      if (!isRecord(chunk)) continue;
      if (typeof chunk.model === "string") model = chunk.model;
      const choice = Array.isArray(chunk.choices) && isRecord(chunk.choices[0]) ? chunk.choices[0] : null;
      const delta = choice && isRecord(choice.delta) ? choice.delta : null;
      if (!delta) continue;
      if (typeof delta.content === "string" && delta.content !== "") {
        firstTokenMs ??= performance.now() - started;
        text += delta.content;
        request.onDelta?.(delta.content);
      }
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        if (!isRecord(call)) continue;
        firstTokenMs ??= performance.now() - started;
        const index = typeof call.index === "number" ? call.index : 0;
        const fn = isRecord(call.function) ? call.function : {};
        const current = calls.get(index) ?? { name: "", args: "" };
        if (typeof fn.name === "string") current.name += fn.name;
        if (typeof fn.arguments === "string") current.args += fn.arguments;
        calls.set(index, current);
      }
    }
    const first = calls.get(0);
    if (first) return { output: toolCallOutput(parseToolArguments(first.name, first.args)), model, firstTokenMs };
    if (text.trim() === "") throw new InferenceError("provider_failed", `${this.provider} returned an empty answer`, false);
    return { output: text, model, firstTokenMs };
  }
}
