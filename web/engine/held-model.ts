/**
 * Remembers, in localStorage, that this page's engine has held a model from an asset origin. A
 * browser evicting the origin under storage pressure removes Cache Storage and IndexedDB together
 * but not localStorage, so a returning device is still recognised and told its files were removed
 * (not greeted as a first visit). "Clear site data" removes this too: that visit looks like a first
 * one, and the person is asked before any download either way (decisions/0010).
 */
export class HeldModel {
  private readonly key: string;

  constructor(baseUrl: string, modelId: string) {
    this.key = `dormant.held:${new URL(baseUrl, location.href).origin}:${modelId}`;
  }

  remember(pin: string): void {
    try {
      localStorage.setItem(this.key, JSON.stringify({ pin, at: Date.now() }));
    } catch {
      // Storage may be off (a sandboxed frame): the device is then treated as new, which still asks.
    }
  }

  held(): boolean {
    try {
      return localStorage.getItem(this.key) !== null;
    } catch {
      return false;
    }
  }
}
