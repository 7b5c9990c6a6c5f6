// `import "@dormant/web/element"`: registers <dormant-chat> (and types document.querySelector("dormant-chat")).
import { defineDormantChat } from "./dormant-chat.ts";

export type { DormantChat, DormantReady } from "./dormant-chat.ts";

defineDormantChat();
