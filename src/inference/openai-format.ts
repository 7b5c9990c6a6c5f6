import {
  CHAT_TOKENS,
  type ChatMessage,
  DormantError,
  isRecord,
  type Json,
  type JsonObject,
  type ToolCall,
  type ToolSpec,
} from "../protocol/index.ts";

// The OpenAI chat-completions wire shapes we send and accept; shared by the OpenAI-compatible
// provider (worker) and the local hosted server (Node, models/serve), so both speak one dialect.

export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type OpenAIMessage =
  | { role: "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface OpenAITool {
  type: "function";
  function: { name: string; description: string; parameters: JsonObject };
}

/** Tool call ids are positional, so the same conversation always maps to the same request. */
const callId = (index: number) => `call_${index}`;

export function toOpenAIMessages(messages: readonly ChatMessage[]): OpenAIMessage[] {
  let lastCall = "";
  return messages.map((message, index): OpenAIMessage => {
    if (message.role === "user") return { role: "user", content: message.content };
    if (message.role === "tool")
      return { role: "tool", tool_call_id: lastCall, content: JSON.stringify({ name: message.name, result: message.content }) };
    if (!("toolCall" in message)) return { role: "assistant", content: message.content };
    lastCall = callId(index);
    return {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: lastCall, type: "function", function: { name: message.toolCall.name, arguments: JSON.stringify(message.toolCall.args) } },
      ],
    };
  });
}

const FROM_REQUEST = "x-from-request";

export function toOpenAITools(tools: readonly ToolSpec[]): OpenAITool[] {
  return tools.map((tool) => ({
    type: "function",
    function: {
      name: tool.name,
      description: tool.description,
      parameters: {
        type: "object",
        // `x-from-request`: our extension (JSON Schema allows `x-` keywords), `true` or the turn's
        // choices; a provider that does not know it ignores it, our local server constrains
        // decoding with it. Choices also go out as a standard `enum` where there are any.
        properties: Object.fromEntries(
          Object.entries(tool.args).map(([name, type]): [string, JsonObject] => [name, property(tool, name, type)]),
        ),
        required: Object.keys(tool.args),
      },
    },
  }));
}

function property(tool: ToolSpec, name: string, type: string): JsonObject {
  const choices = tool.choices?.[name];
  if (choices) return choices.length > 0 ? { type, enum: choices, [FROM_REQUEST]: choices } : { type, [FROM_REQUEST]: choices };
  return tool.fromRequest?.includes(name) ? { type, [FROM_REQUEST]: true } : { type };
}

/** Tool specs back from an OpenAI `tools` list (what the local server decodes against); unusable entries are skipped. */
export function fromOpenAITools(value: unknown): ToolSpec[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry): ToolSpec[] => {
    const fn = isRecord(entry) && isRecord(entry.function) ? entry.function : null;
    const properties = fn && isRecord(fn.parameters) && isRecord(fn.parameters.properties) ? fn.parameters.properties : null;
    if (!fn || typeof fn.name !== "string" || !properties) return [];
    const args: ToolSpec["args"] = {};
    const fromRequest: string[] = [];
    const choices: Record<string, string[]> = {};
    for (const [name, schema] of Object.entries(properties)) {
      if (!isRecord(schema)) return [];
      args[name] = schema.type === "number" ? "number" : "string";
      const mark = schema[FROM_REQUEST];
      if (mark === true || Array.isArray(mark)) fromRequest.push(name);
      if (Array.isArray(mark)) choices[name] = mark.filter((c): c is string => typeof c === "string");
    }
    const spec: ToolSpec = {
      name: fn.name,
      description: typeof fn.description === "string" ? fn.description : "",
      effect: "none",
      requiresApproval: false,
      args,
      fromRequest,
    };
    return [Object.keys(choices).length > 0 ? { ...spec, choices } : spec];
  });
}

/** A tool call as our chat format writes it: what a device would have generated. */
export function toolCallOutput(call: ToolCall): string {
  return `${CHAT_TOKENS.call}${JSON.stringify(call)}`;
}

/** Parses a tool call's `arguments` (a JSON string per the spec; some servers send an object). */
export function parseToolArguments(name: string, raw: unknown): ToolCall {
  let args: unknown = raw;
  if (typeof raw === "string") {
    try {
      args = raw.trim() === "" ? {} : (JSON.parse(raw) as unknown);
    } catch {
      throw new DormantError("malformed_model_output", `arguments of ${name} are not valid JSON`);
    }
  }
  if (!isRecord(args)) throw new DormantError("malformed_model_output", `arguments of ${name} must be a JSON object`);
  return { name, args: args as JsonObject };
}

/** The inverse of toOpenAIMessages, validating untrusted input (the local server's requests). */
export function fromOpenAIMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 256) {
    throw new DormantError("invalid_request", '"messages" must be a non-empty array of at most 256 messages');
  }
  const out: ChatMessage[] = [];
  for (const raw of value) {
    if (!isRecord(raw)) throw new DormantError("invalid_request", "each message must be an object");
    if (raw.role === "system") continue; // Our model has no system turn; the policy lives server-side.
    if (raw.role === "user" && typeof raw.content === "string") {
      out.push({ role: "user", content: raw.content });
    } else if (raw.role === "assistant" && Array.isArray(raw.tool_calls) && raw.tool_calls.length > 0) {
      const fn = isRecord(raw.tool_calls[0]) && isRecord(raw.tool_calls[0].function) ? raw.tool_calls[0].function : null;
      if (!fn || typeof fn.name !== "string") throw new DormantError("invalid_request", "tool_calls[0].function.name must be a string");
      out.push({ role: "assistant", toolCall: parseToolArguments(fn.name, fn.arguments) });
    } else if (raw.role === "assistant" && typeof raw.content === "string") {
      out.push({ role: "assistant", content: raw.content });
    } else if (raw.role === "tool" && typeof raw.content === "string") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.content) as unknown;
      } catch {
        parsed = raw.content;
      }
      const named =
        isRecord(parsed) && typeof parsed.name === "string" && "result" in parsed ? (parsed as { name: string; result: Json }) : null;
      out.push({ role: "tool", name: named?.name ?? "tool", content: named ? named.result : (parsed as Json) });
    } else {
      throw new DormantError("invalid_request", `unsupported message with role ${JSON.stringify(raw.role).slice(0, 40)}`);
    }
  }
  return out;
}
