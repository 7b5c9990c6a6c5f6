import type { Tool } from "./tool.ts";

/** A call past the tool's declared duration fails (it may still act: an external effect is then uncertain). */
export function withDeadline<T>(call: Promise<T>, tool: Tool): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${tool.spec.name} ran past its ${tool.maxDurationMs} ms`)), tool.maxDurationMs);
  });
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}
