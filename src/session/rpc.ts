import { DormantError, type ErrorBody } from "../protocol/index.ts";

/**
 * What an AgentSession RPC method returns. Typed errors travel as data because workerd RPC keeps
 * only an error's message, not its class or code.
 */
export type RpcResult<T> = { ok: true; value: T } | ({ ok: false } & ErrorBody);

export function rpcError(error: unknown): { ok: false } & ErrorBody {
  if (error instanceof DormantError) return { ok: false, ...error.toBody() };
  throw error;
}

export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new DormantError(result.error.code, result.error.message, result.error.retryAfter);
}
