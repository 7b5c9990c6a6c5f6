import type { ApprovalState, JsonObject, OperationKind, OperationStatus, OperationView, ToolEffect } from "../protocol/index.ts";

export interface OperationRecord {
  opKey: string;
  kind: OperationKind;
  status: OperationStatus;
  attempt: number;
  tool: string | null;
  args: JsonObject | null;
  effect: ToolEffect | null;
  approval: ApprovalState | null;
  leaseId: string | null;
  leaseHolder: string | null;
  /** How many inference steps this turn has taken, to bound tool loops. */
  turnSteps: number;
  updatedAt: number;
}

interface OperationRow extends Record<string, SqlStorageValue> {
  op_key: string;
  kind: string;
  status: string;
  attempt: number;
  tool: string | null;
  args: string | null;
  effect: string | null;
  approval: string | null;
  lease_id: string | null;
  lease_holder: string | null;
  turn_steps: number;
  updated_at: number;
}

const OPEN = "status IN ('not_started', 'in_flight', 'effect_uncertain')";

/** The operations table: one row per step, its typed status, attempt and lease. */
export class Operations {
  constructor(private readonly sql: SqlStorage) {}

  insert(op: Omit<OperationRecord, "status" | "attempt" | "leaseId" | "leaseHolder" | "updatedAt">): OperationRecord {
    const record: OperationRecord = { ...op, status: "not_started", attempt: 1, leaseId: null, leaseHolder: null, updatedAt: Date.now() };
    this.sql.exec(
      `INSERT INTO operations (op_key, kind, status, attempt, tool, args, effect, approval, turn_steps, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.opKey,
      record.kind,
      record.status,
      record.attempt,
      record.tool,
      record.args === null ? null : JSON.stringify(record.args),
      record.effect,
      record.approval,
      record.turnSteps,
      record.updatedAt,
    );
    return record;
  }

  get(opKey: string): OperationRecord | null {
    const row = this.sql.exec<OperationRow>("SELECT * FROM operations WHERE op_key = ?", opKey).toArray()[0];
    return row ? toRecord(row) : null;
  }

  /** Open operations (not terminal), oldest first. Served by a partial index. */
  open(): OperationRecord[] {
    return this.sql.exec<OperationRow>(`SELECT * FROM operations WHERE ${OPEN} ORDER BY rowid`).toArray().map(toRecord);
  }

  update(opKey: string, patch: Partial<Pick<OperationRecord, "status" | "attempt" | "approval" | "leaseId" | "leaseHolder">>): void {
    const current = this.get(opKey);
    if (!current) throw new Error(`operation ${opKey} does not exist`);
    const next = { ...current, ...patch };
    this.sql.exec(
      "UPDATE operations SET status = ?, attempt = ?, approval = ?, lease_id = ?, lease_holder = ?, updated_at = ? WHERE op_key = ?",
      next.status,
      next.attempt,
      next.approval,
      next.leaseId,
      next.leaseHolder,
      Date.now(),
      opKey,
    );
  }
}

function toRecord(row: OperationRow): OperationRecord {
  return {
    opKey: row.op_key,
    kind: row.kind as OperationKind,
    status: row.status as OperationStatus,
    attempt: row.attempt,
    tool: row.tool,
    args: row.args === null ? null : (JSON.parse(row.args) as JsonObject),
    effect: row.effect as ToolEffect | null,
    approval: row.approval as ApprovalState | null,
    leaseId: row.lease_id,
    leaseHolder: row.lease_holder,
    turnSteps: row.turn_steps,
    updatedAt: row.updated_at,
  };
}

export function toView(op: OperationRecord): OperationView {
  return {
    opKey: op.opKey,
    kind: op.kind,
    status: op.status,
    attempt: op.attempt,
    tool: op.tool,
    effect: op.effect,
    approval: op.approval,
    waitingFor:
      op.approval === "pending"
        ? "approval"
        : op.status === "effect_uncertain"
          ? "resolution"
          : op.kind === "inference" && op.status === "not_started"
            ? "device"
            : null,
    updatedAt: op.updatedAt,
  };
}
