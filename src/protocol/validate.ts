import { DormantError } from "./errors.ts";

/** Tiny structural validators: the protocol stays dependency-free so web/ can import it as is. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function requireRecord(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new DormantError("invalid_request", `${what} must be a JSON object`);
  return value;
}

export function requireString(obj: Record<string, unknown>, key: string, opts: { max: number; min?: number }): string {
  const value = obj[key];
  if (typeof value !== "string") throw new DormantError("invalid_request", `"${key}" must be a string`);
  if (value.length < (opts.min ?? 1)) throw new DormantError("invalid_request", `"${key}" is too short`);
  if (value.length > opts.max) throw new DormantError("payload_too_large", `"${key}" exceeds ${opts.max} characters`);
  return value;
}

export function optionalInt(obj: Record<string, unknown>, key: string, opts: { min: number; max: number }): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < opts.min || value > opts.max) {
    throw new DormantError("invalid_request", `"${key}" must be an integer in [${opts.min}, ${opts.max}]`);
  }
  return value;
}

export function optionalBoolean(obj: Record<string, unknown>, key: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new DormantError("invalid_request", `"${key}" must be a boolean`);
  return value;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return isRecord(value);
}

/** Parses JSON text into a value or throws the typed `invalid_json` error. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DormantError("invalid_json", "body is not valid JSON");
  }
}
