import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { HostedModel, readLock } from "../../models/serve/hosted-model.ts";

const MODELS = join(import.meta.dirname, "..", "..", "models");

it("the local hosted server loads only weights that match the lock, and stamps the lock's digest", async () => {
  const dir = await mkdtemp(join(tmpdir(), "dormant-models-"));
  try {
    await cp(join(MODELS, "manifest.json"), join(dir, "manifest.json"));
    await cp(join(MODELS, "dormant-agent-tiny"), join(dir, "dormant-agent-tiny"), { recursive: true });
    const locked = (await readLock()).models["dormant-agent-tiny"]!.files;

    const intact = await HostedModel.load("q8", { modelsDir: dir });
    expect(intact.pin).toBe(`dormant-agent-tiny@sha256:${locked["onnx/model_quantized.onnx"]!.sha256}`);
    expect(await intact.generate([{ role: "user", content: "what is 2+3?" }], 24, [], () => undefined)).toMatch(/\S/);
    await intact.dispose();

    // One byte of the fp32 weights changed on disk: refused before anything is loaded.
    const weights = join(dir, "dormant-agent-tiny", "onnx", "model.onnx");
    const bytes = await readFile(weights);
    bytes[bytes.length >> 1]! ^= 1;
    await writeFile(weights, bytes);
    await expect(HostedModel.load("fp32", { modelsDir: dir })).rejects.toMatchObject({
      code: "misconfigured",
      message: expect.stringMatching(
        /^dormant-agent-tiny\/onnx\/model\.onnx does not match dormant\.lock\.json \(sha256 [0-9a-f]{64}, pinned [0-9a-f]{64}\)/,
      ),
    });
    // So is a tokenizer that differs, though the weights it would run with are intact.
    const tokenizer = join(dir, "dormant-agent-tiny", "tokenizer.json");
    await writeFile(tokenizer, (await readFile(tokenizer, "utf8")).replace('"', "'"));
    await expect(HostedModel.load("q8", { modelsDir: dir })).rejects.toMatchObject({
      message: expect.stringMatching(/tokenizer\.json does not match/),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
