import type { Json, JsonObject, ToolSpec } from "../protocol/index.ts";

export type ToolErrorCode = "tool_unavailable" | "invalid_tool_args" | "tool_failed";

/**
 * A tool's typed failure. `retryable` says the effect certainly did not happen and a retry is safe;
 * any other exception from an `external` tool leaves its effect uncertain.
 */
export class ToolError extends Error {
  override readonly name = "ToolError";
  readonly code: ToolErrorCode;
  readonly retryable: boolean;
  // No parameter properties: Node loads the tools with type stripping only (models:eval).
  constructor(code: ToolErrorCode, message: string, retryable = false) {
    super(message);
    this.code = code;
    this.retryable = retryable;
  }
}

/** What the notes tool may do to the session's storage: keep a note under a key, and nothing else. */
export interface NoteBook {
  /** Saves (or, under the same key, replaces) a note; returns how many notes the session holds. */
  save(key: string, title: string, body: string): number;
}

export interface ToolContext {
  /** Stable per operation: the same value on every retry, for providers that dedupe by key. */
  idempotencyKey: string;
  tenant: string;
  env: Env;
  /** The session's notes: the one piece of session storage a tool may write, through its owner. */
  notes: NoteBook;
}

/** What a status query learned about an operation whose effect is uncertain. */
export type EffectStatus = { state: "committed"; result: Json } | { state: "not_found" };

export interface Tool {
  spec: ToolSpec;
  /**
   * The longest one call may take. A call still running then is failed as a timeout (an external
   * tool's effect is then uncertain); `npm run rdr` checks it against the platform's limits.
   */
  maxDurationMs: number;
  /** Checks and normalises arguments; throws ToolError("invalid_tool_args"). */
  parseArgs(args: JsonObject): JsonObject;
  execute(args: JsonObject, ctx: ToolContext): Promise<Json>;
  /**
   * For `fromRequest` arguments the tool reads (an expression, a place, an address): what it reads
   * in a span of the request (a value, a zone), or null when nothing. Offered values are the
   * shortest span of each reading, unless a longer reading contains it (offer.ts).
   */
  reads?: Record<string, (span: string) => string | null>;
  /** For `external` tools: asks the world whether the effect already happened. */
  status?(args: JsonObject, ctx: ToolContext): Promise<EffectStatus>;
}

export function stringArg(args: JsonObject, key: string, max = 2000): string {
  const value = args[key];
  if (typeof value !== "string" || value.length === 0 || value.length > max) {
    throw new ToolError("invalid_tool_args", `argument "${key}" must be a non-empty string of at most ${max} characters`);
  }
  return value;
}
