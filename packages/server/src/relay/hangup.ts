/**
 * Whether the caller of a request went away, with one listener to stop upstream work when it does: what an
 * AbortSignal would say, without the cost of building one (and its DOMException) on every request.
 */

/** The caller's side of one request. */
export class Hangup {
  /** True once the caller closed the connection before the answer was complete. */
  gone = false;
  private listener: (() => void) | null = null;

  /** Sets the function called when the caller goes away (null clears it); called at once when it already has. */
  listen(fn: (() => void) | null): void {
    this.listener = fn;
    if (fn !== null && this.gone) this.hangUp(true);
  }

  /** Marks the caller gone and calls the listener, once. */
  hangUp(again = false): void {
    if (this.gone && !again) return;
    this.gone = true;
    const fn = this.listener;
    this.listener = null;
    fn?.();
  }
}
