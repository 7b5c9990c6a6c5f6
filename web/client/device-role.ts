import type { ClientFrame, DeviceUnavailableReason, LeaseOffer, StepRuntime } from "../../src/protocol/index.ts";
import type { GenerateResult } from "../engine/messages.ts";
import type { Engine } from "../engine/page-engine.ts";
import { type ClientError, type ClientErrorCode, toClientError } from "../errors.ts";

/** Engine failures that mean "this device cannot serve now", and what the person is told. */
const UNAVAILABLE: Partial<Record<ClientErrorCode, DeviceUnavailableReason>> = {
  cache_cleared: "cache_cleared",
  device_lost: "device_lost",
  device_unavailable: "memory_pressure",
  integrity_mismatch: "invalid_artifact",
  quota_exceeded: "storage_full",
  model_load_failed: "load_failed",
  manifest_invalid: "load_failed",
};

/** What the device role needs from its client. */
export interface DeviceLink {
  write(frame: ClientFrame): void;
  isOpen(): boolean;
  connectMs(): number | null;
  /** A token of a step this device computes (streamed to the page and the session). */
  delta(opKey: string, text: string): void;
  step(opKey: string, result: GenerateResult): void;
  error(error: ClientError): void;
  /** This device cannot serve (reason), or can again (null). */
  availability(unavailable: DeviceUnavailableReason | null): void;
}

/**
 * The device side of a session: runs the steps the session leases to this client on its engine,
 * streams them, and reports how each ran, or why this device cannot serve.
 */
export class DeviceRole {
  /** Why this device cannot serve inference now; null when it can. */
  unavailable: DeviceUnavailableReason | null = null;
  private readonly running = new Set<string>();

  constructor(
    private readonly engine: Engine,
    private readonly link: DeviceLink,
    private readonly maxNewTokens: number,
  ) {
    // A device that loads its model again can serve again: tell the session, which re-offers waiting
    // steps. One that waits for the person to download says so at once, so no step waits on it.
    engine.on((event) => {
      if (event.type !== "state") return;
      if (event.state.status === "ready" && this.unavailable) this.setUnavailable(null);
      if (event.state.status === "needs_download") this.setUnavailable(this.waitingReason() ?? "not_downloaded");
    });
  }

  /** After (re)connecting: say so again if this device cannot serve. */
  announce(): void {
    if (this.unavailable) this.link.write({ type: "device.status", available: false, reason: this.unavailable });
  }

  /** The person chose to download (again) what the cache lacks; the session then offers waiting steps here. */
  async retry(): Promise<void> {
    await this.engine.load({ download: true });
  }

  /** Why a device waiting for a download cannot serve: its files were removed, or never here. */
  private waitingReason(): DeviceUnavailableReason | null {
    const state = this.engine.state;
    if (state.status !== "needs_download") return null;
    return state.returning ? "cache_cleared" : "not_downloaded";
  }

  private setUnavailable(reason: DeviceUnavailableReason | null): void {
    this.unavailable = reason;
    this.link.availability(reason);
    if (this.link.isOpen()) this.link.write({ type: "device.status", available: reason === null, reason });
  }

  /** A leased inference step: run it on the engine, stream it, and report how it ran. */
  async run(offer: LeaseOffer): Promise<void> {
    if (this.running.has(offer.leaseId)) return;
    this.running.add(offer.leaseId);
    const lease = { opKey: offer.opKey, leaseId: offer.leaseId };
    try {
      const result = await this.engine.generate(offer.messages, {
        maxNewTokens: this.maxNewTokens,
        tools: offer.tools,
        // The session keeps the model it was created under, across deploys.
        revision: offer.model?.revision ?? null,
        onToken: (text) => {
          this.link.delta(offer.opKey, text);
          this.link.write({ type: "step.delta", ...lease, text });
        },
      });
      const coldStart = result.coldStart && { ...result.coldStart, connectMs: this.link.connectMs() ?? 0 };
      const { model } = result;
      const runtime: StepRuntime = {
        backend: model.backend,
        dtype: model.dtype,
        contextLength: model.contextLength,
        tokens: result.tokens,
        decodeMs: result.decodeMs,
        coldStart,
        fallbacks: result.fallbacks,
        versions: model.versions,
      };
      this.link.step(offer.opKey, { ...result, coldStart });
      this.link.write({ type: "step.complete", ...lease, output: result.text, model: model.pin, runtime });
    } catch (error) {
      const typed = toClientError(error, "generation_failed");
      this.link.error(typed);
      const reason = typed.code === "download_needed" ? this.waitingReason() : (UNAVAILABLE[typed.code] ?? null);
      const message = typed.message.slice(0, 2000);
      if (reason) {
        // This device cannot serve until it recovers; the session decides what comes next
        // (wait, or hosted — only with the person's consent).
        this.unavailable = reason;
        this.link.availability(reason);
        this.link.write({ type: "step.fail", ...lease, code: "device_unavailable", message, retryable: false, reason });
      } else {
        this.link.write({ type: "step.fail", ...lease, code: typed.code, message, retryable: true, reason: null });
      }
    } finally {
      this.running.delete(offer.leaseId);
    }
  }
}
