import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/tools/calculator.ts";
import { spokenMath } from "../../src/tools/spoken-math.ts";

describe("the calculator reads what people write", () => {
  const cases: [string, number][] = [
    ["17 times 23", 391],
    ["17 x 23", 391],
    ["twelve times seven", 84],
    ["add 45 and 78", 123],
    ["1200 divided by 16", 75],
    ["15% of 80", 12],
    ["fifteen percent of eighty", 12],
    ["3 squared", 9],
    ["9 cubed", 729],
    ["subtract 38 from 250", 212],
    ["7 plus 8 plus 9", 24],
    ["multiply 6 by 14", 84],
    ["2 to the power of 10", 1024],
    ["19 and 21 add up to", 40],
    ["half of 350", 175],
    ["3.5 times 4", 14],
    ["Remainder of 100 divided by 7", 2],
    ["two hundred plus fifty", 250],
    ["(4 plus 6) times 3", 30],
    ["MULTIPLY 25 BY 4", 100],
    ["20 percent of 150", 30],
    ["take 18 away from 90", 72],
    ["640 take away 128", 512],
    ["sum of 11, 22 and 33", 66],
    ["double 4,500", 9000],
    ["7 squared minus 1", 48],
    ["total of 19.99 and 5.01", 25],
    ["ten times ten", 100],
    ["12 * 7", 84],
    ["(3 + 4) * 2", 14],
    ["one thousand two hundred and five minus five", 1200],
  ];
  for (const [spoken, value] of cases) {
    it(`${spoken} = ${value}`, () => expect(evaluate(spokenMath(spoken))).toBe(value));
  }
});
