/**
 * Named crash points for chaos tests (armed only through `runInDurableObject`). Hitting an armed
 * point throws out of the handler mid-operation; the test then evicts the instance, so storage
 * holds exactly what a crash at that point leaves behind.
 */
export type FailpointName = "tool.before_effect" | "tool.after_effect";

export class FailpointCrash extends Error {
  override readonly name = "FailpointCrash";
}

export class Failpoints {
  private readonly armed = new Set<FailpointName>();

  arm(name: FailpointName): void {
    this.armed.add(name);
  }

  hit(name: FailpointName): void {
    if (this.armed.delete(name)) throw new FailpointCrash(`failpoint ${name}`);
  }
}
