/**
 * What people write for arithmetic, turned into the calculator's symbols: number words ("twelve",
 * "two hundred"), operators as words ("times", "divided by", "x"), "15% of 80", "3 squared",
 * "add 45 and 78", "subtract 38 from 250", "half of 350". The model copies what the person wrote;
 * this is where it becomes an expression (decisions/0008).
 */
const UNITS =
  "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(
    " ",
  );
const TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split(" ");
const NUMBER_WORD = new RegExp(
  `\\b(?:${[...UNITS, ...TENS.slice(2), "hundred", "thousand", "million", "and"].join("|")})(?:[\\s-]+(?:${[...UNITS, ...TENS.slice(2), "hundred", "thousand", "million", "and"].join("|")}))*\\b`,
  "g",
);

function wordsToNumber(words: string): string {
  let total = 0;
  let current = 0;
  let any = false;
  for (const word of words.split(/[\s-]+/)) {
    const unit = UNITS.indexOf(word);
    const ten = TENS.indexOf(word);
    if (unit >= 0) current += unit;
    else if (ten >= 2) current += ten * 10;
    else if (word === "hundred") current = (current || 1) * 100;
    else if (word === "thousand" || word === "million") {
      total += (current || 1) * (word === "thousand" ? 1000 : 1_000_000);
      current = 0;
    } else continue; // "and" inside a number ("two hundred and five")
    any = true;
  }
  return any ? String(total + current) : words;
}

const N = String.raw`(-?\d+(?:\.\d+)?)`;
/** Whole-phrase forms, tried in order; each yields an expression. */
const PHRASES: [RegExp, (...n: string[]) => string][] = [
  [new RegExp(String.raw`${N}\s*(?:%|percent|per cent)\s+of\s+${N}`), (a, b) => `${a} / 100 * ${b}`],
  [new RegExp(String.raw`remainder of\s+${N}\s+(?:divided by|over|/)\s+${N}`), (a, b) => `${a} % ${b}`],
  [new RegExp(String.raw`${N}\s+(?:mod|modulo)\s+${N}`), (a, b) => `${a} % ${b}`],
  [new RegExp(String.raw`half of\s+${N}`), (a) => `${a} / 2`],
  [new RegExp(String.raw`(?:double|twice)\s+${N}`), (a) => `${a} * 2`],
  [new RegExp(String.raw`subtract\s+${N}\s+from\s+${N}`), (a, b) => `${b} - ${a}`],
  [new RegExp(String.raw`take\s+${N}\s+(?:away\s+)?from\s+${N}`), (a, b) => `${b} - ${a}`],
  [new RegExp(String.raw`multiply\s+${N}\s+(?:by|and)\s+${N}`), (a, b) => `${a} * ${b}`],
  [new RegExp(String.raw`divide\s+${N}\s+by\s+${N}`), (a, b) => `${a} / ${b}`],
];

export function spokenMath(text: string): string {
  let s = text.toLowerCase().replace(/(\d),(\d{3})\b/g, "$1$2");
  s = s.replace(NUMBER_WORD, (words) => (/^and$/.test(words) ? words : wordsToNumber(words)));
  for (const [pattern, build] of PHRASES) {
    const match = pattern.exec(s);
    if (match) s = s.replace(match[0], ` ${build(...match.slice(1))} `);
  }
  s = s
    .replace(/\bto the power of\b|\braised to\b/g, " ^ ")
    .replace(/\bsquared\b/g, " ^ 2")
    .replace(/\bcubed\b/g, " ^ 3")
    .replace(/\b(?:times|multiplied by)\b|(?<=\d)\s*x\s*(?=\d)|×/g, " * ")
    .replace(/\b(?:divided by|over)\b|÷/g, " / ")
    .replace(/\b(?:plus)\b/g, " + ")
    .replace(/\b(?:minus|less|take away)\b/g, " - ");
  // "add 45 and 78", "sum of 11, 22 and 33", "what do 19 and 21 add up to": a list of numbers to add.
  if (/\b(add|sum|total|add up)\b/.test(s) && !/[-+*/%^]/.test(s.replace(/(?<=\s|^)-(?=\d)/g, ""))) {
    const numbers = s.match(/-?\d+(?:\.\d+)?/g) ?? [];
    if (numbers.length >= 2) return numbers.join(" + ");
  }
  // Keep what the calculator reads: numbers, operators, parentheses.
  return s
    .replace(/[^\d.+\-*/%^()\s]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}
