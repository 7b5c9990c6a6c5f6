import type { JsonObject } from "../protocol/index.ts";
import { spokenMath } from "./spoken-math.ts";
import { stringArg, type Tool, ToolError } from "./tool.ts";

/** Arithmetic without eval: + - * / % ^, parentheses, unary minus, decimals. */
export const calculator: Tool = {
  maxDurationMs: 1_000,
  spec: {
    name: "calculator",
    description: "Evaluate an arithmetic expression",
    effect: "none",
    requiresApproval: false,
    args: { expression: "string" },
    fromRequest: ["expression"],
  },
  // What the person wrote ("17 times 23", "15% of 80") becomes symbols here; the journal shows both.
  parseArgs: (args): JsonObject => {
    const written = stringArg(args, "expression", 200);
    const expression = spokenMath(written);
    return expression === written ? { expression } : { expression, written };
  },
  // Arithmetic is a number, an operator and a number: "7" or "30 minutes" alone is not a sum to do.
  reads: { expression: (span) => arithmeticValue(spokenMath(span)) },
  execute: async (args) => ({ value: evaluate(String(args.expression)) }),
};

/**
 * The value of `expression` when it is arithmetic (a number, an operator and a number) and parses,
 * dividing by zero included (the tool's error then says so); else null.
 */
function arithmeticValue(expression: string): string | null {
  if (!/\d\s*\)?\s*[-+*/%^]/.test(expression)) return null;
  try {
    return String(evaluate(expression, false));
  } catch {
    return null;
  }
}

export function evaluate(expression: string, refuseZero = true): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/%^()]|\S/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = (why: string): never => {
    throw new ToolError("invalid_tool_args", `cannot evaluate "${expression}": ${why}`);
  };
  const primary = (): number => {
    const token = tokens[pos++];
    if (token === undefined) return fail("unexpected end");
    if (token === "-") return -primary();
    if (token === "(") {
      const value = sum();
      if (tokens[pos++] !== ")") fail("missing )");
      return value;
    }
    const value = Number(token);
    return Number.isFinite(value) ? value : fail(`unexpected "${token}"`);
  };
  const power = (): number => {
    const base = primary();
    if (peek() !== "^") return base;
    pos++;
    return base ** power();
  };
  const product = (): number => {
    let value = power();
    for (let op = peek(); op === "*" || op === "/" || op === "%"; op = peek()) {
      pos++;
      const rhs = power();
      if (op !== "*" && rhs === 0 && refuseZero) fail("division by zero");
      value = op === "*" ? value * rhs : op === "/" ? value / rhs : value % rhs;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    for (let op = peek(); op === "+" || op === "-"; op = peek()) {
      pos++;
      value = op === "+" ? value + product() : value - product();
    }
    return value;
  };
  const result = sum();
  if (pos !== tokens.length) fail(`unexpected "${tokens[pos]}"`);
  // Round away binary noise (0.1 + 0.2) so answers read as a person expects.
  return Number(result.toPrecision(12));
}
