import { app } from "./api/app.ts";

export { AgentSession } from "./session/agent-session.ts";
export { Mailbox } from "./mailbox/mailbox.ts";

export default app satisfies ExportedHandler<Env>;
