/**
 * Cooperative time slices for long loops on the event loop. The embedded store answers
 * synchronously under its promises, so `await store.set(...)` in a loop never lets a waiting
 * webhook in; a loop that calls `pause()` after each item gives the event loop back once it has
 * run for `ms`.
 */
export class TimeSlice {
  private started = performance.now();
  constructor(private readonly ms = 5) {}

  async pause(): Promise<void> {
    if (performance.now() - this.started <= this.ms) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.started = performance.now();
  }
}
