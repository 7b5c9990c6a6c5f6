import type { ConsentDecision, ConsentRequest } from "../../src/protocol/index.ts";

export interface ConsentDialogOptions {
  /** Where the dialog is attached; default document.body. */
  parent?: ParentNode;
  /** Extra class for theming; the dialog also reads --dormant-* CSS custom properties. */
  className?: string;
  /** A device that only lacks its files offers to download them here ("Download again (31.6 MiB)"). */
  download?: string | null;
}

export interface ConsentDialog {
  /** The person's answer; Escape or closing the dialog counts as Not now; "download" picks this device instead. */
  readonly decision: Promise<ConsentDecision | "download">;
  /** Closes it without an answer (the step found another way), resolving as Not now. */
  close(): void;
}

const WHAT_IS_SENT: Record<string, string> = {
  messages: "the messages of this conversation",
  tool_results: "the results of the tools it used",
};

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text: string,
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.textContent = text;
  return node;
}

/**
 * Asks the person whether this step may run on hosted inference, in plain words: why the device
 * cannot serve, what would be sent, and to whom. A native modal <dialog>: focus moves into it and
 * stays there, Escape answers Not now, and Not now has the initial focus (the safe default).
 */
export function showConsentDialog(request: ConsentRequest, options: ConsentDialogOptions = {}): ConsentDialog {
  const id = `dormant-consent-${request.opKey.replace(/[^a-z0-9]/gi, "-")}`;
  const dialog = document.createElement("dialog");
  dialog.className = ["dormant-consent", options.className ?? ""].join(" ").trim();
  dialog.setAttribute("aria-labelledby", `${id}-title`);
  dialog.setAttribute("aria-describedby", `${id}-reason ${id}-data`);
  dialog.dataset.opKey = request.opKey;
  const sent = request.dataClasses.map((c) => WHAT_IS_SENT[c] ?? c).join(" and ");
  const buttons: [ConsentDecision | "download", string][] = [
    ...(options.download ? [["download", options.download] as ["download", string]] : []),
    ["once", "Allow once"],
    ["session", "Allow for this session"],
    ["decline", "Not now"],
  ];
  const actions = document.createElement("div");
  actions.className = "dormant-consent-actions";
  for (const [decision, label] of buttons) {
    const button = element("button", label, { type: "button", value: decision });
    button.dataset.decision = decision;
    if (decision === "decline") button.autofocus = true;
    button.addEventListener("click", () => dialog.close(decision));
    actions.append(button);
  }
  dialog.append(
    element("h2", "Continue with hosted inference?", { id: `${id}-title` }),
    element("p", `This device can't run the assistant right now: ${request.reasonText}.`, {
      id: `${id}-reason`,
      className: "dormant-consent-reason",
    }),
    element(
      "p",
      `To answer anyway, ${sent} would be sent to ${request.recipient}, where ${request.provider}/${request.model} computes the reply. Nothing is sent unless you allow it; "Not now" waits for this device.`,
      { id: `${id}-data` },
    ),
    actions,
  );
  (options.parent ?? document.body).append(dialog);
  const decision = new Promise<ConsentDecision | "download">((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const value = dialog.returnValue;
        dialog.remove();
        resolve(value === "once" || value === "session" || value === "download" ? value : "decline");
      },
      { once: true },
    );
  });
  dialog.showModal();
  return { decision, close: () => dialog.open && dialog.close("dismissed") };
}
