// The app's own script: registers <dormant-chat> and follows what it does, typed by the package.
import "@dormant/web/element";
import type { TranscriptMessage } from "@dormant/web";

const chat = document.querySelector("dormant-chat")!;
const status = document.getElementById("app-status")!;

chat.addEventListener("dormant-ready", (event) => {
  event.detail.client.on((e) => {
    if (e.type !== "message" || e.message.role !== "assistant") return;
    const message: TranscriptMessage = e.message;
    status.textContent = `last answer ran on: ${message.origin?.kind ?? "unknown"}`;
  });
});
chat.addEventListener("dormant-error", (event) => {
  status.textContent = `assistant unavailable: ${event.detail.message} (${event.detail.code})`;
});
