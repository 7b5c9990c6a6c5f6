import { app } from "./api/app.ts";

export { Mailbox } from "./mailbox/mailbox.ts";
export { AgentSession } from "./session/agent-session.ts";

export default app satisfies ExportedHandler<Env>;
