import type { ConsentRequest } from "../../src/protocol/index.ts";
import type { Client } from "../client/client.ts";
import { type ConsentDialog, type ConsentDialogOptions, showConsentDialog } from "./consent-dialog.ts";

export interface ConsentPromptOptions extends Omit<ConsentDialogOptions, "download"> {
  onError: (error: Error) => void;
  /** The label of "download the files again" while the device only lacks them (view.ts downloadChoice), else null. */
  download?: () => string | null;
}

/**
 * Asks one consent question at a time for `client`: call it with each change of the pending
 * requests. It opens the dialog for the first one, closes it when its step found another way, and
 * sends the person's answer while the question is still open. Choosing to download instead leaves
 * the question with the session: the device, once ready, takes the waiting step and the question
 * ends; if the download fails, the question is asked again.
 */
export function consentPrompter(client: Client, options: ConsentPromptOptions) {
  let open: (ConsentDialog & { opKey: string }) | null = null;
  const downloading = new Set<string>();
  const ask = (pending: readonly ConsentRequest[]): void => {
    for (const opKey of downloading) if (!pending.some((p) => p.opKey === opKey)) downloading.delete(opKey);
    if (open && !pending.some((p) => p.opKey === open?.opKey)) {
      open.close();
      open = null;
    }
    const request = pending.find((p) => !downloading.has(p.opKey));
    if (!request || open) return;
    const shown = Object.assign(showConsentDialog(request, { ...options, download: options.download?.() ?? null }), {
      opKey: request.opKey,
    });
    open = shown;
    void shown.decision
      .then((decision) => {
        if (open === shown) open = null;
        if (decision !== "download")
          return client.consent.pending.has(request.opKey) ? client.decideConsent(request.opKey, decision) : undefined;
        downloading.add(request.opKey);
        return client.retryDevice().catch((error: Error) => {
          downloading.delete(request.opKey);
          ask([...client.consent.pending.values()]);
          throw error;
        });
      })
      .catch(options.onError);
  };
  return ask;
}
