import { describe, expect, it } from "vitest";
import { wordEdges } from "../../src/protocol/index.ts";
import { defaultTools } from "../../src/tools/registry.ts";

const offered = (request: string) =>
  Object.fromEntries(
    defaultTools
      .offer([{ role: "user", content: request }])
      .flatMap((t) => Object.entries(t.choices ?? {}).map(([arg, values]) => [`${t.name}.${arg}`, values])),
  );

describe("word edges", () => {
  it("fall between words and around marks, never inside a word or an apostrophe's word", () => {
    const text = "Maria's key: 12*12";
    const { starts, ends } = wordEdges(text);
    expect(starts.map((i) => text.slice(i))).toEqual(["Maria's key: 12*12", "key: 12*12", ": 12*12", "12*12", "*12", "12"]);
    expect(ends.map((i) => text.slice(0, i))).toEqual([
      "Maria's",
      "Maria's key",
      "Maria's key:",
      "Maria's key: 12",
      "Maria's key: 12*",
      "Maria's key: 12*12",
    ]);
  });
});

describe("tools offered for a turn", () => {
  it("offer each tool the spans it reads, shortest per reading and outermost across readings", () => {
    expect(offered("what's 7 squared minus 1?")).toMatchObject({
      "calculator.expression": ["7 squared minus 1"],
      "clock.timezone": [],
      "send_email.to": [],
    });
    expect(offered("i think 56 * 3 is 168, is that right?")["calculator.expression"]).toEqual(["56 * 3"]);
    expect(offered("what time is it in New York and sao paulo")["clock.timezone"]).toEqual(["New York", "sao paulo"]);
    expect(offered("email bob@example.com: lunch at noon")["send_email.to"]).toEqual(["bob@example.com"]);
    expect(offered("need the total of 19.99 and 5.01")["calculator.expression"]).toEqual(["total of 19.99 and 5.01"]);
  });

  it("offer nothing where the request holds nothing a tool reads: a bare number is not arithmetic", () => {
    for (const request of ["yo", "set a timer for 10 minutes", "thanks a lot, that was helpful", "call my mom"]) {
      expect(offered(request), request).toMatchObject({ "calculator.expression": [], "clock.timezone": [], "send_email.to": [] });
    }
  });

  it("leave free-text tools as they are, and take the last user message as the request", () => {
    const specs = defaultTools.offer([
      { role: "user", content: "17 times 23" },
      { role: "assistant", content: "391" },
      { role: "user", content: "thanks" },
    ]);
    expect(specs.find((t) => t.name === "save_note")!.choices).toBeUndefined();
    expect(specs.find((t) => t.name === "calculator")!.choices).toEqual({ expression: [] });
  });
});
