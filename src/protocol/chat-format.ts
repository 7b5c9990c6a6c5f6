import { DormantError } from "./errors.ts";
import { isJsonObject, type Json, type JsonObject } from "./validate.ts";

/**
 * The one chat and tool-call format: the session stores conversations in it, devices and hosted
 * providers render prompts with it, and the model in models/ is trained on exactly this text.
 */
export type ChatMessage =
  | { role: "user"; content: string }
  | { role: "assistant"; content: string }
  | { role: "assistant"; toolCall: ToolCall }
  | { role: "tool"; name: string; content: Json };

export interface ToolCall {
  name: string;
  args: JsonObject;
}

export type AssistantOutput = { kind: "text"; text: string } | { kind: "tool_call"; call: ToolCall };

export const CHAT_TOKENS = {
  user: "<|user|>",
  assistant: "<|assistant|>",
  tool: "<|tool|>",
  call: "<|call|>",
  end: "<|end|>",
} as const;

function renderMessage(message: ChatMessage): string {
  const { user, assistant, tool, call, end } = CHAT_TOKENS;
  switch (message.role) {
    case "user":
      return `${user}${message.content}${end}`;
    case "tool":
      return `${tool}${JSON.stringify({ name: message.name, result: message.content })}${end}`;
    case "assistant":
      return "toolCall" in message
        ? `${assistant}${call}${JSON.stringify(message.toolCall)}${end}`
        : `${assistant}${message.content}${end}`;
  }
}

/** The prompt for the next assistant turn: the conversation, then an open assistant tag. */
export function renderPrompt(messages: readonly ChatMessage[]): string {
  return messages.map(renderMessage).join("") + CHAT_TOKENS.assistant;
}

/** Turns raw generated text into a typed output; anything after the first end tag is ignored. */
export function parseAssistantOutput(raw: string): AssistantOutput {
  const endAt = raw.indexOf(CHAT_TOKENS.end);
  const body = (endAt === -1 ? raw : raw.slice(0, endAt)).trim();
  if (!body.startsWith(CHAT_TOKENS.call)) {
    if (body.length === 0) throw new DormantError("malformed_model_output", "model produced an empty answer");
    return { kind: "text", text: body };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.slice(CHAT_TOKENS.call.length));
  } catch {
    throw new DormantError("malformed_model_output", "tool call is not valid JSON");
  }
  if (!isJsonObject(parsed) || typeof parsed.name !== "string" || !isJsonObject(parsed.args)) {
    throw new DormantError("malformed_model_output", 'tool call must be {"name": string, "args": object}');
  }
  return { kind: "tool_call", call: { name: parsed.name, args: parsed.args } };
}
