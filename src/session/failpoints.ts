/**
 * Named crash points at the step boundaries of a tool (FAILPOINTS) and of a trigger delivery.
 * Tests arm them through `runInDurableObject` (`throw`: the handler dies mid-operation and the
 * test evicts the instance), or, in local development only, through `DORMANT_FAILPOINTS` (`hang`:
 * the step stops at the boundary and logs a line, so a test can SIGKILL the whole stack there).
 * Storage then holds exactly what a crash at that point leaves behind.
 */
export const FAILPOINTS = ["tool.before_start", "tool.before_effect", "tool.after_effect", "tool.after_commit"] as const;
/** `trigger.deliver`: a trigger event's delivery dies before the session looks at it (queue retry tests). */
export type FailpointName = (typeof FAILPOINTS)[number] | "trigger.deliver";
export type FailpointMode = "throw" | "hang";

export class FailpointCrash extends Error {
  override readonly name = "FailpointCrash";
}

export class Failpoints {
  private readonly armed = new Map<FailpointName, { mode: FailpointMode; times: number }>();
  private scope = "";

  /** `times`: how many hits it fires on before it disarms itself. */
  arm(name: FailpointName, mode: FailpointMode = "throw", times = 1): void {
    this.armed.set(name, { mode, times });
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
    const armed = this.armed.get(name);
    if (armed === undefined) return;
    const { mode, times } = armed;
    if (times <= 1) this.armed.delete(name);
    else this.armed.set(name, { mode, times: times - 1 });
    if (mode === "throw") throw new FailpointCrash(`failpoint ${name}`);
    console.log(`dormant failpoint reached: ${name}@${this.scope}`);
    await new Promise<never>(() => undefined);
  }
}
