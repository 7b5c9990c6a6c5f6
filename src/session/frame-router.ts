import {
  type ClientFrame,
  type DeviceUnavailableReason,
  eventFingerprint,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type Receipt,
} from "../protocol/index.ts";
import { type Action, authorize } from "./caller.ts";
import { JOURNAL_PAGE } from "./limits.ts";
import type { LiveSession } from "./live-session.ts";
import { rpcError } from "./rpc.ts";
import type { SessionStore } from "./session-store.ts";
import type { SessionSockets } from "./sockets.ts";

/** Best effort: the `ref` of a frame that failed validation, so the client can match the error. */
export function refOf(message: string): string | null {
  try {
    const ref = (JSON.parse(message) as { ref?: unknown }).ref;
    return typeof ref === "string" && ref.length <= 64 ? ref : null;
  } catch {
    return null;
  }
}

/** Frames over the limit close the socket before they are parsed or wake the session's logic. */
export function oversize(message: string | ArrayBuffer): boolean {
  if (typeof message !== "string") return message.byteLength > MAX_FRAME_BYTES;
  return (
    message.length > MAX_FRAME_BYTES ||
    (message.length * 3 > MAX_FRAME_BYTES && new TextEncoder().encode(message).byteLength > MAX_FRAME_BYTES)
  );
}

const FRAME_ACTION: Record<ClientFrame["type"], Action> = {
  hello: "read",
  "user.message": "message",
  "device.status": "lease",
  "step.delta": "lease",
  "step.complete": "lease",
  "step.fail": "lease",
  "approval.decide": "approve",
  "consent.decide": "consent",
  "consent.revoke": "consent",
};

/**
 * Routes one client frame on one socket. The socket's token (kept in its attachment) decides what
 * the frame may do; lease frames count only from the socket the lease was offered to.
 */
export class FrameRouter {
  constructor(private readonly sockets: SessionSockets) {}

  /** Tells the socket why its frame (`frame`, or the raw `message` that never parsed) was refused. */
  refuse(socket: WebSocket, frame: ClientFrame | null, message: string | ArrayBuffer, error: unknown): void {
    const { error: body } = rpcError(error);
    const ref = frame?.ref ?? (typeof message === "string" ? refOf(message) : null);
    const { code, message: text, retryAfter } = body;
    this.sockets.send(socket, { type: "error", ref, code, message: text, ...(retryAfter === undefined ? {} : { retryAfter }) });
  }

  async route(socket: WebSocket, frame: ClientFrame, { store, loop, approvals }: LiveSession): Promise<void> {
    const { caller, clientId } = this.sockets.attachment(socket);
    const { meta } = store;
    authorize(caller, frame.type === "hello" && frame.role === "device" ? "lease" : FRAME_ACTION[frame.type], meta.selfApproval);
    const ref = frame.ref ?? null;
    const ack = (seq: number | null = null) => this.sockets.send(socket, { type: "ack", ref, seq });
    switch (frame.type) {
      case "hello": {
        this.sockets.update(socket, { role: frame.role, subscribed: true, device: frame.device });
        // Leases of the retired sockets fall to settle(), which offers them again (to this socket).
        if (frame.device) this.sockets.retire(frame.device, socket);
        const { journal } = store;
        this.sockets.send(socket, { type: "welcome", sessionId: meta.id, lastSeq: journal.lastSeq(), protocol: PROTOCOL_VERSION });
        for (let page = journal.read(frame.afterSeq, JOURNAL_PAGE); page.entries.length > 0; page = journal.read(page.next, JOURNAL_PAGE)) {
          this.sockets.send(socket, { type: "journal", entries: page.entries });
        }
        if (frame.role === "device") loop.reoffer(clientId);
        return;
      }
      case "user.message": {
        const event = { type: "user.message" as const, text: frame.text };
        const idempotency =
          frame.idempotencyKey === null ? null : { key: frame.idempotencyKey, fingerprint: await eventFingerprint(event) };
        return ack(loop.appendUserMessage(frame.text, idempotency).seq);
      }
      case "device.status":
        this.setAvailability(socket, store, frame.available ? null : (frame.reason ?? "load_failed"));
        return ack();
      case "step.delta":
        // Only the holder streams into its step; anyone else's deltas are refused, not relayed.
        loop.leases.held(frame.opKey, frame.leaseId, clientId);
        return this.sockets.relay({ type: "step.delta", opKey: frame.opKey, text: frame.text }, socket);
      case "step.complete": {
        // What the session observed: this socket held the lease, so the step ran on its device.
        const receipt: Receipt = { ranOn: "device", model: frame.model, consentId: null, policyVersion: meta.policy.version };
        loop.completeInference(frame.opKey, frame.leaseId, { holder: clientId, output: frame.output, receipt, runtime: frame.runtime });
        return ack();
      }
      case "step.fail":
        if (frame.code === "device_unavailable") {
          loop.leases.held(frame.opKey, frame.leaseId, clientId);
          // The device cannot serve at all: mark it so, and let the router look elsewhere.
          const reason = frame.reason ?? "load_failed";
          this.setAvailability(socket, store, reason);
          loop.releaseLease(frame.opKey, frame.leaseId, clientId, reason);
        } else {
          loop.failInference(frame.opKey, frame.leaseId, clientId, frame.code, frame.message, frame.retryable);
        }
        return ack();
      case "consent.decide":
        loop.hosted.decide(frame.opKey, frame.decision);
        return ack();
      case "consent.revoke":
        loop.hosted.revoke(frame.consentId, clientId);
        return ack();
      case "approval.decide":
        approvals.decide(frame.opKey, frame.decision, clientId);
        return ack();
    }
  }

  /** Records a device's availability on its socket, journaled when it changes. */
  private setAvailability(socket: WebSocket, store: SessionStore, unavailable: DeviceUnavailableReason | null): void {
    const before = this.sockets.attachment(socket);
    if ((before.unavailable ?? null) === unavailable) return;
    this.sockets.update(socket, { unavailable });
    store.tx(() => store.append(unavailable ? "device.unavailable" : "device.available", { client: before.clientId, reason: unavailable }));
  }
}
