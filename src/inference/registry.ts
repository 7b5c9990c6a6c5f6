import { type DataPolicy, DEVICE_MODEL_ID, type ProviderId } from "../protocol/index.ts";
import { OpenAICompatibleProvider } from "./openai-compatible.ts";
import type { InferenceProviderV1 } from "./provider.ts";
import { type AiBinding, WorkersAIProvider } from "./workers-ai.ts";

/** The env a worker may configure providers with; each is optional and off unless set. */
export interface InferenceEnv {
  AI?: unknown;
  WORKERS_AI_MODEL?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  OPENAI_MODEL?: string;
  /** The local hosted server `npm start` runs (models/serve), OpenAI-compatible, on loopback. */
  LOCAL_INFERENCE_URL?: string;
}

export function configuredProviders(env: InferenceEnv): Map<ProviderId, InferenceProviderV1> {
  const providers = new Map<ProviderId, InferenceProviderV1>();
  if (env.AI) providers.set("workers-ai", new WorkersAIProvider(env.AI as AiBinding, env.WORKERS_AI_MODEL || undefined));
  if (env.OPENAI_BASE_URL) {
    providers.set(
      "openai-compatible",
      new OpenAICompatibleProvider({
        provider: "openai-compatible",
        baseURL: env.OPENAI_BASE_URL,
        ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
        model: env.OPENAI_MODEL || "gpt-4o-mini",
        recipient: `the inference service at ${new URL(env.OPENAI_BASE_URL).host}`,
      }),
    );
  }
  if (env.LOCAL_INFERENCE_URL) {
    providers.set(
      "local",
      new OpenAICompatibleProvider({
        provider: "local",
        baseURL: env.LOCAL_INFERENCE_URL,
        model: DEVICE_MODEL_ID,
        recipient: `this app's own inference server (${new URL(env.LOCAL_INFERENCE_URL).host})`,
      }),
    );
  }
  return providers;
}

/** The provider a hosted step goes to: the policy's first choice that this deployment configured. */
export function pickProvider(policy: DataPolicy, providers: Map<ProviderId, InferenceProviderV1>): InferenceProviderV1 | null {
  for (const id of policy.providers) {
    const provider = providers.get(id);
    if (provider) return provider;
  }
  return null;
}
