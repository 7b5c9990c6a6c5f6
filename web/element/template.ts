/**
 * The shadow DOM of <dormant-chat>. Theme it from the embedding page with the custom properties
 * below (`dormant-chat { --dormant-accent: teal }`) or with `::part(...)`: header, status, device,
 * transcript, message, user, assistant, badge, approval, notice, composer, input, send, panel, progress,
 * download, persistence, cold-start, retry.
 */
export const TEMPLATE = `
<style>
  :host {
    display: block;
    font: var(--dormant-font, 14px/1.45 system-ui, sans-serif);
    color: var(--dormant-text, #1d2330);
    background: var(--dormant-surface, #fff);
    border: 1px solid var(--dormant-border, #d5d9e0);
    border-radius: var(--dormant-radius, 10px);
    padding: 0.75em;
  }
  [hidden] { display: none !important; }
  header { display: flex; flex-wrap: wrap; gap: 0.4em; align-items: center; margin-bottom: 0.5em; }
  .pill { font-size: 0.8em; padding: 0.1em 0.6em; border-radius: 999px; background: var(--dormant-muted, #eef1f5); }
  ol { list-style: none; margin: 0; padding: 0; max-height: var(--dormant-transcript-height, 24em); overflow-y: auto; }
  li { margin: 0.35em 0; padding: 0.4em 0.6em; border-radius: var(--dormant-radius, 10px); }
  li.user { background: var(--dormant-user, #e8f0fe); margin-left: 2em; }
  li.assistant { background: var(--dormant-assistant, #f4f5f7); margin-right: 2em; }
  li.streaming { opacity: 0.75; }
  .badge { display: block; font-size: 0.75em; opacity: 0.7; }
  .badge.hosted { color: var(--dormant-hosted, #9a4d00); opacity: 1; }
  form { display: flex; gap: 0.4em; margin-top: 0.5em; }
  input { flex: 1; font: inherit; padding: 0.4em 0.6em; }
  button { font: inherit; cursor: pointer; color: #fff; background: var(--dormant-accent, #3056d3); border: 0; border-radius: 6px; padding: 0.35em 0.8em; }
  .dormant-approval { border: 1px solid var(--dormant-accent, #3056d3); border-radius: var(--dormant-radius, 10px); padding: 0.5em; margin: 0.5em 0; }
  .dormant-approval h3 { margin: 0 0 0.3em; font-size: 1em; }
  .dormant-approval button.reject { background: var(--dormant-muted-strong, #6b7280); margin-left: 0.4em; }
  details { margin-top: 0.6em; font-size: 0.85em; }
  progress { width: 100%; }
  dialog { max-width: 28em; border-radius: var(--dormant-radius, 10px); }
</style>
<header part="header">
  <span class="pill" part="status" id="status">connecting…</span>
  <span class="pill" part="device" id="device">device: probing…</span>
  <button type="button" part="retry" id="retry" hidden>Download the model again</button>
  <span id="hosted" hidden></span>
</header>
<ol part="transcript" id="messages" aria-label="conversation" aria-live="polite"></ol>
<div id="approvals" hidden></div>
<p part="notice" id="notice" role="status"></p>
<p id="outbox" role="status"></p>
<form part="composer" id="composer">
  <input part="input" id="input" autocomplete="off" aria-label="message">
  <button part="send" type="submit">Send</button>
</form>
<details part="panel">
  <summary>Model files and cold start</summary>
  <progress part="progress" id="progress" max="1" value="0"></progress>
  <p part="download" id="download">not loaded</p>
  <p part="persistence" id="persistence" role="status"></p>
  <table part="cold-start"><tbody id="cold-start"></tbody></table>
</details>
`;
