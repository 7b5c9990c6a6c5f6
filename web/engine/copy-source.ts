import { wordEdges } from "../../src/protocol/index.ts";

/**
 * Copying a span of source text byte by byte: what the call grammar's copied arguments and an
 * answer's quotes share. A copy in progress is every (source, start) where the bytes so far occur.
 */
export interface CopySource {
  bytes: Uint8Array;
  /** Byte offsets where a copy may start and end. */
  starts: number[];
  ends: Set<number>;
}

export type Spans = readonly (readonly [number, number])[];

const encoder = new TextEncoder();

/** Text as a copy source: spans from word edge to word edge (src/protocol/spans.ts), in byte offsets. */
export function wordSource(text: string): CopySource {
  // wordEdges counts UTF-16 units; map each to the byte offset of its code point.
  const byUnit: number[] = [];
  let unit = 0;
  let offset = 0;
  for (const ch of text) {
    byUnit[unit] = offset;
    unit += ch.length;
    offset += encoder.encode(ch).length;
  }
  byUnit[unit] = offset;
  const edges = wordEdges(text);
  return { bytes: encoder.encode(text), starts: edges.starts.map((u) => byUnit[u]!), ends: new Set(edges.ends.map((u) => byUnit[u]!)) };
}

/** One value copied whole (an offered choice). */
export function wholeSource(value: string): CopySource {
  const bytes = encoder.encode(value);
  return { bytes, starts: [0], ends: new Set([bytes.length]) };
}

/** Every place a copy may begin. */
export function copyStarts(sources: readonly CopySource[]): Spans {
  return sources.flatMap((source, m) => source.starts.map((i) => [m, i] as const));
}

/** The spans that still match after `byte`, the copy being `offset` bytes long; null when none does. */
export function copyStep(sources: readonly CopySource[], spans: Spans, offset: number, byte: number): Spans | null {
  const next = spans.filter(([m, i]) => sources[m]!.bytes[i + offset] === byte);
  return next.length === 0 ? null : next;
}

/** Whether a copy `offset` bytes long may end here: not empty, and at an end of its source. */
export function copyEnds(sources: readonly CopySource[], spans: Spans, offset: number): boolean {
  return offset > 0 && spans.some(([m, i]) => sources[m]!.ends.has(i + offset));
}

/**
 * Values an answer may copy whole (numbers, addresses), with every prefix of each, so a copy can
 * be checked byte by byte as it is written.
 */
export class WholeValues {
  private readonly whole = new Set<string>();
  private readonly prefixes = new Set<string>();

  add(value: string): void {
    this.whole.add(value);
    for (let i = 1; i <= value.length; i++) this.prefixes.add(value.slice(0, i));
  }

  /** Whether `value` is one of the values, whole. */
  has(value: string): boolean {
    return this.whole.has(value);
  }

  /** Whether `text` begins one of the values. */
  begins(text: string): boolean {
    return this.prefixes.has(text);
  }

  get size(): number {
    return this.whole.size;
  }
}
