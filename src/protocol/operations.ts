/** An operation's typed outcome; see decisions/0002 for the transitions. */
export const OPERATION_STATUSES = ["not_started", "in_flight", "committed", "effect_uncertain", "failed"] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export type OperationKind = "inference" | "tool";

/** What running a tool does to the world: decides whether a retry after a crash is safe. */
export type ToolEffect = "none" | "idempotent" | "external";

export type ApprovalState = "pending" | "granted" | "rejected" | "expired";

export interface OperationView {
  opKey: string;
  kind: OperationKind;
  status: OperationStatus;
  attempt: number;
  tool: string | null;
  effect: ToolEffect | null;
  approval: ApprovalState | null;
  /** Set while the operation waits for a person (approval or an uncertain effect). */
  waitingFor: "approval" | "resolution" | "device" | "consent" | null;
  updatedAt: number;
}

export interface ToolSpec {
  name: string;
  description: string;
  effect: ToolEffect;
  requiresApproval: boolean;
  /** Argument name → JSON type, in the order a call writes them. */
  args: Record<string, "string" | "number">;
  /**
   * String arguments copied from what the user wrote (addresses, note text, expressions, places):
   * constrained decoding lets the model write only a span of the user's messages there.
   */
  fromRequest?: string[];
  /**
   * This turn only: the values a `fromRequest` argument may take, the spans of the request its tool
   * accepts (ToolRegistry.offer). An empty list: the request holds nothing the tool could take, so
   * the tool cannot be called this turn, and a model that reaches for it answers instead.
   */
  choices?: Record<string, string[]>;
}

/** How a person settles an `effect_uncertain` operation that has no status query. */
export type UncertainResolution = "committed" | "retry" | "abandon";
