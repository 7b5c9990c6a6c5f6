import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

describe("production config", () => {
  it("`wrangler deploy --dry-run --env production` passes offline and binds Workers AI there only", async () => {
    const { stdout } = await promisify(execFile)("npm", ["run", "deploy:check"], {
      cwd: process.cwd(),
      env: { ...process.env, CI: "true" },
    });
    expect(stdout).toContain("--dry-run: exiting now.");
    expect(stdout).toMatch(/env\.AI\s+AI/);
    expect(stdout).toMatch(/env\.AGENT_SESSION \(AgentSession\)\s+Durable Object/);
  });
});
