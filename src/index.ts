import { app } from "./api/app.ts";
import { DEAD_LETTER_QUEUE, deliverBatch, keepDeadLetters } from "./triggers/consumer.ts";

export { Mailbox } from "./mailbox/mailbox.ts";
export { AgentSession } from "./session/agent-session.ts";
export { DeadLetters } from "./triggers/dead-letters.ts";
export { TenantGate } from "./triggers/tenant-gate.ts";

export default {
  fetch: app.fetch,
  queue: (batch, env) => (batch.queue === DEAD_LETTER_QUEUE ? keepDeadLetters(batch, env) : deliverBatch(batch, env)),
} satisfies ExportedHandler<Env>;
