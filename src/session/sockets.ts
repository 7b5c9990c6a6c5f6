import type { ClientRole, DeviceUnavailableReason, JournalEntry, LeaseOffer, ServerFrame } from "../protocol/index.ts";
import type { Caller } from "./caller.ts";
import type { DeviceTransport } from "./inference-steps.ts";

/** Kept in the socket's attachment (survives hibernation; well under the 16 KB limit). */
export interface SocketAttachment {
  clientId: string;
  /** The token this socket was opened with: its tenant, role and id (checked on every frame). */
  caller: Caller;
  role: ClientRole;
  /** The client's own stable id (hello.device), when it sent one. */
  device?: string | null;
  /** Journal rows are pushed only after the client said hello (and got its catch-up). */
  subscribed: boolean;
  connectedAt: number;
  /** Set while this device says it cannot serve inference, and why. */
  unavailable?: DeviceUnavailableReason | null;
}

/**
 * The session's hibernatable WebSockets. All state lives in attachments, so after a wake the
 * sockets are found again through `ctx.getWebSockets()` with nothing held in memory.
 */
export class SessionSockets implements DeviceTransport {
  /** Sockets whose close is being handled right now (they still appear in getWebSockets). */
  private readonly closing = new Set<WebSocket>();

  constructor(private readonly ctx: DurableObjectState) {}

  accept(socket: WebSocket, caller: Caller): SocketAttachment {
    this.ctx.acceptWebSocket(socket);
    const attachment: SocketAttachment = {
      clientId: crypto.randomUUID(),
      caller,
      role: "observer",
      subscribed: false,
      connectedAt: Date.now(),
    };
    socket.serializeAttachment(attachment);
    return attachment;
  }

  attachment(socket: WebSocket): SocketAttachment {
    // Sockets accepted before tokens had roles carry no caller: they may do nothing.
    return {
      caller: { tenant: "", role: "viewer", jti: "" },
      ...(socket.deserializeAttachment() as Partial<SocketAttachment>),
    } as SocketAttachment;
  }

  update(socket: WebSocket, patch: Partial<SocketAttachment>): SocketAttachment {
    const next = { ...this.attachment(socket), ...patch };
    socket.serializeAttachment(next);
    return next;
  }

  markClosing(socket: WebSocket): void {
    this.closing.add(socket);
  }

  private live(): { socket: WebSocket; attachment: SocketAttachment }[] {
    return this.ctx
      .getWebSockets()
      .filter((socket) => !this.closing.has(socket) && socket.readyState === WebSocket.OPEN)
      .map((socket) => ({ socket, attachment: this.attachment(socket) }));
  }

  send(socket: WebSocket, frame: ServerFrame): void {
    try {
      socket.send(JSON.stringify(frame));
    } catch {
      // The peer is gone; its close event will clean up.
    }
  }

  publish(entries: JournalEntry[]): void {
    const frame: ServerFrame = { type: "journal", entries };
    for (const { socket, attachment } of this.live()) if (attachment.subscribed) this.send(socket, frame);
  }

  relay(frame: ServerFrame, except: WebSocket | null = null): void {
    for (const { socket, attachment } of this.live()) if (attachment.subscribed && socket !== except) this.send(socket, frame);
  }

  /**
   * Closes this client's older sockets: after a drop the server may still hold a half-open one,
   * and leases held there would otherwise wait for their deadline.
   */
  retire(device: string, keep: WebSocket): void {
    // Only sockets of the same token: naming someone else's device id retires nothing of theirs.
    const { jti } = this.attachment(keep).caller;
    for (const { socket, attachment } of this.live()) {
      if (socket !== keep && attachment.device === device && attachment.caller.jti === jti)
        this.close(socket, 1000, "replaced by a newer connection");
    }
  }

  /** Closes every socket opened with token `jti` (it was revoked). */
  closeToken(jti: string): void {
    for (const { socket, attachment } of this.live())
      if (attachment.caller.jti === jti) this.close(socket, 1008, "unauthorized: token revoked");
  }

  close(socket: WebSocket, code: number, reason: string): void {
    this.markClosing(socket);
    try {
      socket.close(code, reason);
    } catch {
      // Already gone.
    }
  }

  private devices(): SocketAttachment[] {
    return this.live()
      .map(({ attachment }) => attachment)
      .filter((a) => a.role === "device" && a.subscribed);
  }

  pickDevice(): string | null {
    return this.devices().find((a) => !a.unavailable)?.clientId ?? null;
  }

  unavailableReason(): DeviceUnavailableReason | null {
    return this.devices().find((a) => a.unavailable)?.unavailable ?? null;
  }

  isConnected(clientId: string): boolean {
    return this.live().some(({ attachment }) => attachment.clientId === clientId);
  }

  offer(clientId: string, frame: LeaseOffer): void {
    const target = this.live().find(({ attachment }) => attachment.clientId === clientId);
    if (target) this.send(target.socket, frame);
  }
}
