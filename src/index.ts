import { app } from "./api/app.ts";
import { DEAD_LETTER_QUEUE, deliverBatch, keepDeadLetters } from "./triggers/consumer.ts";
import { onCronTick } from "./triggers/cron-tick.ts";

export { ProviderBreaker } from "./inference/breaker.ts";
export { Mailbox } from "./mailbox/mailbox.ts";
export { AgentSession } from "./session/agent-session.ts";
export { CronSubscriptions } from "./triggers/cron-subscriptions.ts";
export { DeadLetters } from "./triggers/dead-letters.ts";
export { TenantGate } from "./triggers/tenant-gate.ts";

export default {
  fetch: app.fetch,
  scheduled: async (controller, env) => {
    const { queued, pruned } = await onCronTick(controller, env);
    console.log(`cron ${controller.cron}: ${queued} sessions woken, ${pruned} dead letters pruned`);
  },
  queue: (batch, env) => (batch.queue === DEAD_LETTER_QUEUE ? keepDeadLetters(batch, env) : deliverBatch(batch, env)),
} satisfies ExportedHandler<Env>;
