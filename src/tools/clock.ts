import { stringArg, type Tool } from "./tool.ts";
import { placeZones, resolveZone } from "./zones.ts";

/** Current date and time in an IANA time zone. */
export const clock: Tool = {
  maxDurationMs: 1_000,
  spec: {
    name: "clock",
    description: "Current date and time in a time zone",
    effect: "none",
    requiresApproval: false,
    args: { timezone: "string" },
    fromRequest: ["timezone"],
  },
  // A place as people name it ("Tokyo", "portugal") or an IANA id; resolved to the id it runs with.
  parseArgs: (args) => ({ timezone: resolveZone(stringArg(args, "timezone", 64)) }),
  // A place is a few words ("Mexico City", "Europe/Paris"); longer spans are not looked up.
  reads: { timezone: (span) => (span.length <= 64 && span.split(/\s+/).length <= 4 ? (placeZones(span)?.join() ?? null) : null) },
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
