import type { ChatMessage, ToolSpec } from "../protocol/index.ts";
import { calculator } from "./calculator.ts";
import { clock } from "./clock.ts";
import { notes } from "./notes.ts";
import { offerTools } from "./offer.ts";
import { sendEmail } from "./send-email.ts";
import type { Tool } from "./tool.ts";

/** Tools a session may call, by name. */
export class ToolRegistry {
  private readonly tools: Map<string, Tool>;

  constructor(tools: readonly Tool[]) {
    this.tools = new Map(tools.map((tool) => [tool.spec.name, tool]));
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  list(): Tool[] {
    return [...this.tools.values()];
  }

  specs(): ToolSpec[] {
    return this.list().map((tool) => tool.spec);
  }

  /** The specs for the turn answering `messages`, with the values the request offers (offer.ts). */
  offer(messages: readonly ChatMessage[]): ToolSpec[] {
    return offerTools([...this.tools.values()], messages);
  }
}

export const defaultTools = new ToolRegistry([calculator, clock, notes, sendEmail]);
