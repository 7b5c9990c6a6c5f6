import { app } from "./api/app";

export { AgentSession } from "./session/agent-session";
export { Mailbox } from "./mailbox/mailbox";

export default app satisfies ExportedHandler<Env>;
