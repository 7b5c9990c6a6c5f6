import { expect, it } from "vitest";
import { withDeadline } from "../../src/tools/deadline.ts";
import { sendEmail } from "../../src/tools/send-email.ts";

// A tool call is held to the longest call its tool declares (the tool runner's deadline).

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const tool = { ...sendEmail, maxDurationMs: 200 };

it("a call that answers within its tool's declared duration keeps its result; one past it fails naming the tool", async () => {
  expect(await withDeadline(after(20, "sent"), tool)).toBe("sent");
  const started = Date.now();
  await expect(withDeadline(after(2_000, "too late"), tool)).rejects.toThrow("send_email ran past its 200 ms");
  expect(Date.now() - started).toBeLessThan(1_000);
  await expect(withDeadline(Promise.reject(new Error("provider down")), tool)).rejects.toThrow("provider down");
});
