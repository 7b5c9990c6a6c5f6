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
    // Bindings are not inherited by environments: production repeats the trigger layer's.
    expect(stdout).toMatch(/env\.EVENTS \(dormant-events\)\s+Queue/);
    expect(stdout).toMatch(/env\.DEAD_LETTERS_QUEUE \(dormant-events-dlq\)\s+Queue/);
    expect(stdout).toMatch(/env\.PROVIDER_BREAKER_DO \(ProviderBreaker\)\s+Durable Object/);
  });
});
