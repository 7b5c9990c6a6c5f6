import type { ConsentRequest } from "../../src/protocol/index.ts";
import type { Client } from "../client/client.ts";
import { type ConsentDialog, type ConsentDialogOptions, showConsentDialog } from "./consent-dialog.ts";

/**
 * Asks one consent question at a time for `client`: call it with each change of the pending
 * requests. It opens the dialog for the first one, closes it when its step found another way, and
 * sends the person's answer while the question is still open.
 */
export function consentPrompter(client: Client, options: ConsentDialogOptions & { onError: (error: Error) => void }) {
  let open: (ConsentDialog & { opKey: string }) | null = null;
  return (pending: readonly ConsentRequest[]): void => {
    if (open && !pending.some((p) => p.opKey === open?.opKey)) {
      open.close();
      open = null;
    }
    const request = pending[0];
    if (!request || open) return;
    const shown = Object.assign(showConsentDialog(request, options), { opKey: request.opKey });
    open = shown;
    void shown.decision
      .then((decision) => {
        if (open === shown) open = null;
        if (client.consent.pending.has(request.opKey)) return client.decideConsent(request.opKey, decision);
      })
      .catch(options.onError);
  };
}
