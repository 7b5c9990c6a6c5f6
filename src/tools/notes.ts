import { stringArg, type Tool } from "./tool.ts";

/** Saves a note in the session. Keyed by operation, so a retry overwrites rather than duplicates. */
export const notes: Tool = {
  maxDurationMs: 1_000,
  spec: {
    name: "save_note",
    description: "Save a note",
    effect: "idempotent",
    requiresApproval: false,
    args: { title: "string", body: "string" },
    fromRequest: ["title", "body"],
  },
  parseArgs: (args) => ({ title: stringArg(args, "title", 200), body: stringArg(args, "body", 4000) }),
  execute: async (args, ctx) => {
    const saved = ctx.notes.save(ctx.idempotencyKey, String(args.title), String(args.body));
    return { saved: true, notes: saved };
  },
};
