import { ToolError, stringArg, type Tool } from "./tool";

/** Current date and time in an IANA time zone. */
export const clock: Tool = {
  spec: {
    name: "clock",
    description: "Current date and time in a time zone",
    effect: "none",
    requiresApproval: false,
    args: { timezone: "string" },
  },
  parseArgs: (args) => {
    const timezone = stringArg(args, "timezone", 64);
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      throw new ToolError("invalid_tool_args", `unknown time zone "${timezone}"`);
    }
    return { timezone };
  },
  execute: async (args) => {
    const timezone = String(args.timezone);
    const time = new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      dateStyle: "medium",
      timeStyle: "short",
    }).format(new Date());
    return { timezone, time };
  },
};
