import { randomUUID } from "node:crypto";
import type { DeviceUnavailableReason, LeaseOffer, ServerFrame, SessionCreated } from "../../src/protocol/index.ts";

/** How the device answers an offer: a completion, a failure that leaves it unable to serve, or nothing yet. */
export type Reply = { output: string } | { unavailable: DeviceUnavailableReason } | "hold";

/**
 * A device as the browser SDK is one, scripted over a plain WebSocket: it says hello with its last
 * seq and a stable device id, answers each lease offer as `script` says (stamped with a pin of the
 * session's model), and can reconnect after its connection was lost.
 */
export class ScriptedDevice {
  readonly frames: ServerFrame[] = [];
  readonly held: LeaseOffer[] = [];
  readonly id = `chaos-${randomUUID()}`;
  lastSeq = 0;
  /** Said after every hello, as the SDK's device role does: why this device cannot serve (null: it can). */
  unavailable: DeviceUnavailableReason | null = null;
  private socket: WebSocket | null = null;

  constructor(
    private readonly base: () => string,
    readonly session: SessionCreated,
    public script: (offer: LeaseOffer) => Reply,
  ) {}

  async connect(role: "device" | "observer" = "device"): Promise<void> {
    this.socket?.close(); // a connection the network lost: the client gives up on it
    const url = `${this.base().replace("http", "ws")}/v1/sessions/${this.session.id}/ws?token=${encodeURIComponent(this.session.token)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("message", (event) => this.receive(JSON.parse(String(event.data)) as ServerFrame));
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve);
      socket.addEventListener("error", reject);
    });
    this.send({ type: "hello", role, afterSeq: this.lastSeq, device: this.id });
    if (this.unavailable) this.send({ type: "device.status", available: false, reason: this.unavailable });
  }

  private receive(frame: ServerFrame): void {
    this.frames.push(frame);
    if (frame.type === "journal") for (const entry of frame.entries) this.lastSeq = Math.max(this.lastSeq, entry.seq);
    if (frame.type === "lease.offer") this.answer(frame);
  }

  answer(offer: LeaseOffer): void {
    // Offered a step between its hello and its status (a reconnect): it fails, as the SDK's engine would.
    const reply = this.unavailable ? { unavailable: this.unavailable } : this.script(offer);
    const lease = { opKey: offer.opKey, leaseId: offer.leaseId };
    if (reply === "hold") this.held.push(offer);
    else if ("output" in reply) this.send({ type: "step.complete", ...lease, output: reply.output, model: offer.model!.pins[0] });
    else {
      const { unavailable: reason } = reply;
      this.send({ type: "step.fail", ...lease, code: "device_unavailable", message: `scripted: ${reason}`, retryable: false, reason });
    }
  }

  send(frame: unknown): void {
    this.socket?.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Journal rows this connection was sent, each seq once per delivery (a gap or a repeat shows here). */
  seqs(): number[] {
    return this.frames.flatMap((f) => (f.type === "journal" ? f.entries.map((e) => e.seq) : []));
  }

  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.socket?.close();
  }
}
