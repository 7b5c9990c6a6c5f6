import { DormantError, type JsonObject } from "../protocol/index.ts";
import type { OperationRecord, Operations } from "./operations.ts";
import type { Timers } from "./timers.ts";

/** What the lease owner needs of the store: operations, the lease timers and the journal. */
export interface LeaseStore {
  readonly ops: Operations;
  readonly timers: Timers;
  readonly meta: { leaseTimeoutSeconds: number };
  append(type: "step.leased", payload: JsonObject, opKey: string): unknown;
}

/**
 * An inference step's lease: which holder may answer it (a device socket's client id, or
 * `hosted:<provider>` for the session's own provider call), until when. The lease id travels only in
 * the private offer to that holder; the journal names the holder but never the id, and an answer
 * counts only when it arrives from the holder itself — the id alone is not a credential.
 */
export class Leases {
  constructor(private readonly store: LeaseStore) {}

  /** Inside a transaction: leases a `not_started` step to `holder`. */
  acquire(op: OperationRecord, holder: string, detail: JsonObject = {}): { leaseId: string; deadline: number } {
    const { store } = this;
    const leaseId = crypto.randomUUID();
    const deadline = Date.now() + store.meta.leaseTimeoutSeconds * 1000;
    store.ops.update(op.opKey, { status: "in_flight", leaseId, leaseHolder: holder });
    store.timers.set("lease", op.opKey, deadline);
    store.append("step.leased", { holder, deadline, attempt: op.attempt, ...detail }, op.opKey);
    return { leaseId, deadline };
  }

  /**
   * The step `holder` holds under `leaseId`. Anyone else — another device, an observer, a client
   * replaying an id it saw, a client answering for a hosted step — gets `lease_mismatch`.
   */
  held(opKey: string, leaseId: string, holder: string): OperationRecord {
    const op = this.store.ops.get(opKey);
    if (op?.kind !== "inference") throw new DormantError("not_found", `no inference step ${opKey}`);
    if (op.status !== "in_flight" || op.leaseId !== leaseId || op.leaseHolder !== holder) {
      throw new DormantError("lease_mismatch", `this connection does not hold a lease on step ${opKey}`);
    }
    return op;
  }

  /** Inside a transaction: the lease is over; the step moves to `status` (the caller journals why). */
  end(opKey: string, patch: Partial<Pick<OperationRecord, "status" | "attempt">>): void {
    this.store.timers.clear("lease", opKey);
    this.store.ops.update(opKey, { ...patch, leaseId: null, leaseHolder: null });
  }

  /** Steps `holder` holds now (a reconnecting device gets their offers again). */
  heldBy(holder: string): { op: OperationRecord; leaseId: string; deadline: number }[] {
    return this.store.ops
      .open()
      .filter((op) => op.kind === "inference" && op.status === "in_flight" && op.leaseHolder === holder && op.leaseId !== null)
      .map((op) => ({ op, leaseId: op.leaseId!, deadline: this.store.timers.dueAt("lease", op.opKey) ?? Date.now() }));
  }
}
