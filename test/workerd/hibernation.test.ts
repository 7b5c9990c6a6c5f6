import { describe, expect, it } from "vitest";
import { createSession, evict, ScriptedClient, stats } from "./helpers.ts";

describe("WebSockets across hibernation", () => {
  it("stay connected through eviction, and messages after the wake are handled", async () => {
    const s = await createSession();
    const observer = await ScriptedClient.connect(s, "observer");
    const device = await ScriptedClient.connect(s, "device");
    const wakesBefore = (await stats(s)).wakes;

    await evict(s);
    expect(observer.socket.readyState).toBe(WebSocket.OPEN);
    expect(device.socket.readyState).toBe(WebSocket.OPEN);

    // Keep-alives are answered by the runtime itself, even while the object sleeps.
    observer.send('{"type":"ping"}');
    await observer.next("pong" as never);

    observer.send({ type: "user.message", text: "after the nap", ref: "m1" });
    const ack = await observer.next("ack");
    expect(ack).toMatchObject({ ref: "m1", seq: expect.any(Number) });
    // The device still holds its role from before the eviction (it lives in the attachment).
    const offer = await device.nextOffer();
    expect(offer.messages).toEqual([{ role: "user", content: "after the nap" }]);
    const pushed = observer.frames.flatMap((f) => (f.type === "journal" ? f.entries : []));
    expect(pushed.find((e) => e.seq === ack.seq)).toMatchObject({ type: "user.message", payload: { text: "after the nap" } });

    const after = await stats(s);
    expect(after.wakes).toBe(wakesBefore + 1);
    expect(after.lastWake).toMatchObject({ trigger: "websocket", rowsRead: expect.any(Number) });
    expect(after.lastWake!.rowsRead).toBeGreaterThan(0);
  });

  it("a reconnecting client catches up from its last seq", async () => {
    const s = await createSession();
    await s.post("/events", { type: "user.message", text: "one" });
    const journal = await s.journal();
    const late = await ScriptedClient.connect(s, "observer", 1);
    const caughtUp = await late.next("journal");
    expect(caughtUp.entries.map((e) => e.seq)).toEqual(journal.filter((e) => e.seq > 1).map((e) => e.seq));
  });

  it("a device that disconnects hands its lease back at once", async () => {
    const s = await createSession();
    const first = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "hello" });
    const offer = await first.nextOffer();
    first.close();
    const second = await ScriptedClient.connect(s);
    const again = await second.nextOffer();
    expect(again.opKey).toBe(offer.opKey);
    expect(again.leaseId).not.toBe(offer.leaseId);
    const retry = (await s.journal()).find((e) => e.type === "step.retry");
    expect(retry?.payload).toMatchObject({ reason: "device_disconnected", attempt: 2 });
  });

  it("a reconnecting device retires its half-open socket, and the step it held is offered again at once", async () => {
    const s = await createSession();
    const stale = await ScriptedClient.connect(s, "device", 0, "device-a");
    const other = await ScriptedClient.connect(s, "observer", 0, "device-b");
    stale.send({ type: "user.message", text: "hi", ref: "m" });
    const held = await stale.nextOffer();
    // The same client comes back on a new socket (its old one never closed from the server's view).
    const fresh = await ScriptedClient.connect(s, "device", 0, "device-a");
    const moved = await fresh.nextOffer();
    expect(moved.opKey).toBe(held.opKey);
    expect(moved.leaseId).not.toBe(held.leaseId);
    await waitForClose(stale.socket);
    // Another client's socket is untouched.
    expect(other.socket.readyState).toBe(WebSocket.OPEN);
    fresh.complete(moved, "Hello!");
    await fresh.next("ack");
  });
});

function waitForClose(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => socket.addEventListener("close", () => resolve()));
}
