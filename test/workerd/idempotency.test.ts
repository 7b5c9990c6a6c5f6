import { describe, expect, it } from "vitest";
import { createSession, errorOf, evict } from "./helpers.ts";

const message = (text: string) => ({ type: "user.message", text });

describe("Idempotency-Key on appended events", () => {
  it("a repeat returns the first result and appends nothing", async () => {
    const s = await createSession();
    const first = await s.post("/events", message("hello"), { "idempotency-key": "k-1" });
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { seq: number; replayed: boolean };
    expect(firstBody.replayed).toBe(false);

    await evict(s); // The key outlives the instance.
    const again = await s.post("/events", message("hello"), { "idempotency-key": "k-1" });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual({ seq: firstBody.seq, replayed: true });

    const journal = await s.journal();
    expect(journal.filter((e) => e.type === "user.message")).toHaveLength(1);
    expect(journal.filter((e) => e.type === "step.scheduled")).toHaveLength(1);
  });

  it("concurrent repeats produce one entry and one effect", async () => {
    const s = await createSession();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => s.post("/events", message("at once"), { "idempotency-key": "same" })),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { seq: number; replayed: boolean }[];
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(7);
    expect(new Set(bodies.map((b) => b.seq)).size).toBe(1);
    const journal = await s.journal();
    expect(journal.filter((e) => e.type === "user.message")).toHaveLength(1);
    expect(journal.filter((e) => e.type === "step.scheduled")).toHaveLength(1);
  });

  it("the same key with a different body is refused and appends nothing", async () => {
    const s = await createSession();
    await s.post("/events", message("one"), { "idempotency-key": "k" });
    const before = (await s.journal()).length;
    expect(await errorOf(await s.post("/events", message("two"), { "idempotency-key": "k" }))).toEqual({
      status: 422,
      code: "idempotency_key_reused",
    });
    expect((await s.journal()).length).toBe(before);
  });

  it("without a key, each post is its own event", async () => {
    const s = await createSession();
    await s.post("/events", message("a"));
    await s.post("/events", message("a"));
    expect((await s.journal()).filter((e) => e.type === "user.message")).toHaveLength(2);
  });
});
