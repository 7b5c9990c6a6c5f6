import { type ChatMessage, requestText, type ToolSpec, wordSpans } from "../protocol/index.ts";
import type { Tool } from "./tool.ts";

/** Longest span a tool is asked about, in words and marks: "(4 plus 6) times 3" is 7. */
const MAX_PIECES = 16;

interface Reading {
  start: number;
  end: number;
  text: string;
  means: string;
}

/**
 * The tools as offered for one turn (decisions/0008): an argument a tool reads from the request
 * (`reads`) may only be a span of the request the tool reads something in, so "17 times 23" and
 * "Tokyo" can be called but "yo" cannot reach the clock. A tool with nothing to read gets an empty
 * choice and stays in the list, so the decoder can tell a model reaching for it to answer instead.
 */
export function offerTools(tools: readonly Tool[], messages: readonly ChatMessage[]): ToolSpec[] {
  const request = requestText(messages) ?? "";
  const spans = wordSpans(request, MAX_PIECES);
  return tools.map((tool) => {
    if (!tool.reads) return tool.spec;
    const choices = Object.fromEntries(
      Object.entries(tool.reads).map(([arg, read]) => {
        const readings = spans.flatMap(([start, end]): Reading[] => {
          const text = request.slice(start, end);
          const means = read(text);
          return means === null ? [] : [{ start, end, text, means }];
        });
        return [arg, offered(readings)];
      }),
    );
    return { ...tool.spec, choices };
  });
}

/**
 * Of each reading, its shortest spans ("7 squared minus 1" of "what's 7 squared minus 1?"), then
 * only those no other reading's span contains ("7 squared" is inside "7 squared minus 1").
 */
function offered(readings: Reading[]): string[] {
  const shortest = readings.filter((r) => !readings.some((o) => o.means === r.means && o.text.length < r.text.length));
  const outer = shortest.filter((r) => !shortest.some((o) => o.means !== r.means && o.start <= r.start && r.end <= o.end));
  return [...new Set(outer.sort((a, b) => a.start - b.start).map((r) => r.text))];
}
