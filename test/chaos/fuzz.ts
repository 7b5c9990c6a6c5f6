import { MAX_MESSAGE_CHARS } from "../../src/protocol/index.ts";

/** mulberry32: the same frames on every run, so a failing frame can be found again. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` protocol frames that are each wrong in one way a client (or an attacker) could get
 * wrong: not JSON, not an object, an unknown or missing type, or a known type with a field of the
 * wrong type, range or size. None is valid, so each must be answered by a typed error and change
 * nothing. All stay under the frame limit (an oversize frame closes the socket by design).
 */
export function fuzzFrames(count: number, seed = 20): string[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(rand() * 95))).join("");
  const wrong = () => pick<unknown>([42, -1, 1.5, null, true, [], {}, "", junk(8), { $gt: "" }, [[[[[]]]]]]);
  const makers: ((ref: string) => string)[] = [
    () => junk(1 + Math.floor(rand() * 200)),
    () => JSON.stringify({ type: "user.message", text: "hi" }).slice(0, 1 + Math.floor(rand() * 30)),
    () => JSON.stringify(pick<unknown>([1, "user.message", null, [1, 2], true, []])),
    (ref) => JSON.stringify({ type: junk(1 + Math.floor(rand() * 20)), ref }),
    (ref) => JSON.stringify({ type: wrong(), ref, text: "hi" }),
    (ref) => JSON.stringify({ ref, text: "no type" }),
    (ref) => JSON.stringify({ type: "user.message", ref, text: pick<unknown>([42, null, "", [], { a: 1 }]) }),
    (ref) => JSON.stringify({ type: "user.message", ref, text: "x".repeat(MAX_MESSAGE_CHARS + 1) }),
    (ref) => JSON.stringify({ type: "step.complete", ref, opKey: wrong(), leaseId: "l", output: "hi", model: "m@sha256:00" }),
    (ref) => JSON.stringify({ type: "step.complete", ref, opKey: "1.infer", leaseId: wrong(), output: wrong(), model: wrong() }),
    (ref) => JSON.stringify({ type: "step.fail", ref, opKey: "1.infer", leaseId: "l", code: wrong(), retryable: "yes", reason: junk(5) }),
    (ref) => JSON.stringify({ type: "hello", ref, role: pick(["admin", "", "root", 7]), afterSeq: 0 }),
    (ref) => JSON.stringify({ type: "hello", ref, role: "device", afterSeq: pick<unknown>([-1, "x", 1.5, 1e300]) }),
    (ref) => JSON.stringify({ type: "device.status", ref, available: pick<unknown>(["yes", 1, null]), reason: null }),
    (ref) => JSON.stringify({ type: "approval.decide", ref, opKey: wrong(), decision: pick<unknown>(["maybe", 1, null]) }),
    (ref) => JSON.stringify({ type: "consent.decide", ref, opKey: wrong(), decision: pick<unknown>(["always", 0]) }),
    (ref) => `{"type":"user.message","ref":"${ref}","__proto__":{"admin":true},"text":${pick(["42", "null", "[]", "{}"])}}`,
    (ref) => `{"type":"user.message","ref":"${ref}","text":${"[".repeat(500)}${"]".repeat(500)}}`,
  ];
  return Array.from({ length: count }, (_, i) => pick(makers)(`fuzz-${i}`));
}
