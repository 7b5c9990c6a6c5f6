/**
 * Named crash points at the step boundaries of a tool. Tests arm them through `runInDurableObject`
 * (`throw`: the handler dies mid-operation and the test evicts the instance), or, in local
 * development only, through `DORMANT_FAILPOINTS` (`hang`: the step stops at the boundary and logs
 * a line, so a test can SIGKILL the whole stack there). Storage then holds exactly what a crash at
 * that point leaves behind.
 */
export const FAILPOINTS = ["tool.before_start", "tool.before_effect", "tool.after_effect", "tool.after_commit"] as const;
export type FailpointName = (typeof FAILPOINTS)[number];
export type FailpointMode = "throw" | "hang";

export class FailpointCrash extends Error {
  override readonly name = "FailpointCrash";
}

export class Failpoints {
  private readonly armed = new Map<FailpointName, FailpointMode>();
  private scope = "";

  arm(name: FailpointName, mode: FailpointMode = "throw"): void {
    this.armed.set(name, mode);
  }

  /**
   * Arms the points `spec` names for this session's tenant: comma-separated `point@tenant`, e.g.
   * `tool.before_effect@crash-a,tool.after_effect@crash-b`.
   */
  armFromSpec(spec: string, tenant: string): void {
    this.scope = tenant;
    for (const item of spec.split(",")) {
      const [name, scope] = item.trim().split("@");
      if (scope === tenant && (FAILPOINTS as readonly string[]).includes(name ?? "")) this.arm(name as FailpointName, "hang");
    }
  }

  async hit(name: FailpointName): Promise<void> {
    const mode = this.armed.get(name);
    if (mode === undefined) return;
    this.armed.delete(name);
    if (mode === "throw") throw new FailpointCrash(`failpoint ${name}`);
    console.log(`dormant failpoint reached: ${name}@${this.scope}`);
    await new Promise<never>(() => undefined);
  }
}
