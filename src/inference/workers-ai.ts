import { isRecord } from "../protocol/index.ts";
import { parseToolArguments, toOpenAIMessages, toOpenAITools, toolCallOutput } from "./openai-format.ts";
import { InferenceError, type InferenceProviderV1, type InferenceRequestV1, type InferenceResultV1 } from "./provider.ts";
import { sseData } from "./sse.ts";

/** The part of the `Ai` binding this provider uses (typed loosely: model names are open-ended here). */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";

/** Workers AI through the `AI` binding (production): no key, no egress outside Cloudflare. */
export class WorkersAIProvider implements InferenceProviderV1 {
  readonly specificationVersion = "v1";
  readonly provider = "workers-ai";
  readonly recipient = "Cloudflare Workers AI";

  constructor(
    private readonly ai: AiBinding,
    readonly modelId: string = DEFAULT_WORKERS_AI_MODEL,
  ) {}

  async generate(request: InferenceRequestV1): Promise<InferenceResultV1> {
    const started = performance.now();
    let result: unknown;
    try {
      result = await this.ai.run(this.modelId, {
        messages: toOpenAIMessages(request.messages),
        tools: toOpenAITools(request.tools),
        max_tokens: request.maxTokens,
        stream: true,
      });
    } catch (error) {
      throw new InferenceError("provider_unavailable", `Workers AI: ${error instanceof Error ? error.message : String(error)}`, true);
    }
    let text = "";
    let firstTokenMs: number | null = null;
    const calls: { name: string; arguments: unknown }[] = [];
    // Streaming answers are SSE of {response, tool_calls?}; a model without streaming returns the object.
    const events = result instanceof ReadableStream ? sseData(result as ReadableStream<Uint8Array>) : [result];
    for await (const event of events) {
      if (request.signal.aborted) throw request.signal.reason;
      if (!isRecord(event)) continue;
      if (typeof event.response === "string" && event.response !== "") {
        firstTokenMs ??= performance.now() - started;
        text += event.response;
        request.onDelta?.(event.response);
      }
      for (const call of Array.isArray(event.tool_calls) ? event.tool_calls : []) {
        if (isRecord(call) && typeof call.name === "string") calls.push({ name: call.name, arguments: call.arguments });
      }
    }
    const call = calls[0];
    if (call) return { output: toolCallOutput(parseToolArguments(call.name, call.arguments)), model: this.modelId, firstTokenMs };
    if (text.trim() === "") throw new InferenceError("provider_failed", "Workers AI returned an empty answer", false);
    return { output: text, model: this.modelId, firstTokenMs };
  }
}
