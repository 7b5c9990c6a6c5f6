import type { ToolSpec } from "../../src/protocol/index.ts";
import { type CopySource, copyEnds, copyStarts, copyStep, type Spans, wholeSource, wordSource } from "./copy-source.ts";

/**
 * The language of a tool call after `<|call|>`, as bytes: `{"name":"<tool>","args":{"<k1>":<v1>,…}}`
 * for a registered tool, with exactly its argument keys in spec order and values of their types.
 * An argument the spec marks `fromRequest` may only be one of its `choices` when the turn offers
 * them (src/tools/offer.ts), else a span of the request from a word edge to a word edge. A tool
 * with an empty choice cannot be called: its name is known only to tell that the model reached
 * for it (`reachesUnoffered`). Bytes, not characters: a byte-level BPE token can end inside a
 * multi-byte character.
 */
type Segment = { kind: "literal"; bytes: Uint8Array } | { kind: "string"; copy: CopySource[] | null } | { kind: "number" };

/** Where a call stands. Immutable: `step` returns a new state, so one state serves many candidate tokens. */
export interface CallState {
  /** Tools whose opening literal still matches (narrowed to one once the name is complete). */
  readonly tools: readonly number[];
  readonly segment: number;
  /** Bytes into the current segment (for a value: how many bytes of content so far). */
  readonly offset: number;
  /** String values: inside the quotes; after a backslash. Numbers: digits seen, after the point. */
  readonly open: boolean;
  readonly escape: boolean;
  /** Copied strings: every (message, start) where the content so far occurs. */
  readonly spans: Spans;
  readonly done: boolean;
}

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  MINUS = 0x2d,
  DOT = 0x2e;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const ESCAPABLE = new Set([...'"\\/bnrt'].map((c) => c.charCodeAt(0)));
/** Longest string value the grammar admits (the tools cap theirs lower). */
export const MAX_VALUE_BYTES = 4000;

export class CallGrammar {
  private readonly plans: Segment[][];
  /** Per tool: whether this turn offers it (no argument with an empty choice). */
  private readonly offered: boolean[];

  constructor(tools: readonly ToolSpec[], request: string | null) {
    const spans = request === null ? [] : [wordSource(request)];
    this.offered = tools.map((tool) => Object.values(tool.choices ?? {}).every((values) => values.length > 0));
    this.plans = tools.map((tool) => {
      const plan: Segment[] = [{ kind: "literal", bytes: bytes(`{"name":${JSON.stringify(tool.name)},"args":{`) }];
      Object.entries(tool.args).forEach(([key, type], index) => {
        plan.push({ kind: "literal", bytes: bytes(`${index > 0 ? "," : ""}${JSON.stringify(key)}:`) });
        const choices = tool.choices?.[key];
        const copy = choices ? choices.map(wholeSource) : tool.fromRequest?.includes(key) ? spans : null;
        plan.push(type === "number" ? { kind: "number" } : { kind: "string", copy });
      });
      plan.push({ kind: "literal", bytes: bytes("}}") });
      return plan;
    });
  }

  start(): CallState {
    return { tools: this.plans.map((_, i) => i), segment: 0, offset: 0, open: false, escape: false, spans: [], done: false };
  }

  /** The state after `byte`, or null when no call of an offered tool can continue so. */
  step(state: CallState, byte: number, unofferedToo = false): CallState | null {
    if (state.done) return null;
    if (state.segment === 0) return this.opening(state, byte, unofferedToo);
    const segment = this.plans[state.tools[0]!]![state.segment]!;
    switch (segment.kind) {
      case "literal":
        if (segment.bytes[state.offset] !== byte) return null;
        return this.advance(state, state.offset + 1 === segment.bytes.length);
      case "string":
        return this.string(state, byte, segment.copy);
      case "number":
        return this.number(state, byte);
    }
  }

  /** Whether any tool can be called this turn. */
  offersAny(): boolean {
    return this.offered.some(Boolean);
  }

  /** A complete call: only the end token may follow. */
  accepting(state: CallState): boolean {
    return state.done;
  }

  /** Whether `token`, from `state` in the call's opening, names only tools this turn does not offer. */
  reachesUnoffered(state: CallState, token: Uint8Array): boolean {
    if (state.segment !== 0 || state.done) return false;
    let current: CallState | null = state;
    for (const byte of token) {
      if (current.segment !== 0) break;
      current = this.opening(current, byte, true);
      if (!current) return false;
    }
    return current.tools.every((t) => !this.offered[t]);
  }

  /** `tools` keeps the unoffered ones that still match, so `reachesUnoffered` can see them; a byte only they take is refused. */
  private opening(state: CallState, byte: number, unofferedToo: boolean): CallState | null {
    const tools = state.tools.filter((t) => (this.plans[t]![0] as { bytes: Uint8Array }).bytes[state.offset] === byte);
    const usable = tools.filter((t) => unofferedToo || this.offered[t]);
    if (usable.length === 0) return null;
    const finished = usable.find((t) => (this.plans[t]![0] as { bytes: Uint8Array }).bytes.length === state.offset + 1);
    if (finished !== undefined) return { ...state, tools: [finished], segment: 1, offset: 0 };
    return { ...state, tools, offset: state.offset + 1 };
  }

  /** Moves to the next segment when this one is complete. */
  private advance(state: CallState, complete: boolean): CallState {
    if (!complete) return { ...state, offset: state.offset + 1 };
    const next = state.segment + 1;
    const done = next === this.plans[state.tools[0]!]!.length;
    return { ...state, segment: next, offset: 0, open: false, escape: false, spans: [], done };
  }

  private string(state: CallState, byte: number, copy: CopySource[] | null): CallState | null {
    if (!state.open) {
      if (byte !== QUOTE) return null;
      return { ...state, open: true, spans: copy ? copyStarts(copy) : [] };
    }
    if (state.escape) return ESCAPABLE.has(byte) ? { ...state, escape: false, offset: state.offset + 1 } : null;
    if (byte === QUOTE) {
      const ends = copy ? copyEnds(copy, state.spans, state.offset) : state.offset > 0;
      return ends ? this.advance(state, true) : null;
    }
    if (byte < 0x20 || state.offset >= MAX_VALUE_BYTES) return null;
    if (copy) {
      // A span is copied as it stands: no escapes, and it must occur in one source.
      if (byte === BACKSLASH) return null;
      const spans = copyStep(copy, state.spans, state.offset, byte);
      return spans ? { ...state, spans, offset: state.offset + 1 } : null;
    }
    if (byte === BACKSLASH) return { ...state, escape: true };
    return { ...state, offset: state.offset + 1 };
  }

  /** `-?digits(.digits)?`; ends where the next literal begins. */
  private number(state: CallState, byte: number): CallState | null {
    const { offset } = state;
    if (isDigit(byte)) return { ...state, offset: offset + 1 };
    if (byte === MINUS && offset === 0 && !state.open) return { ...state, open: true };
    if (byte === DOT && offset > 0 && !state.escape) return { ...state, escape: true, offset: 0 };
    // `escape` marks "after the point" here: a number may not end on it.
    if (offset === 0) return null;
    return this.step(this.advance(state, true), byte);
  }
}
