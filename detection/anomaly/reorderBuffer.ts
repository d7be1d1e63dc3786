/**
 * Puts a stream that arrives nearly in time order back in time order, holding only what arrived
 * within `horizonMs` of the newest time seen. The inbox is read in receive order, and senders
 * deliver late (CloudTrail within minutes, a retried push later still): an item is held until
 * an item `horizonMs` newer has arrived, then released in (time, arrival) order. When nothing
 * arrives later than the horizon, the output is exactly a stable sort by time of the whole
 * stream, as training an array does. An item older than one already released cannot be put back
 * in place: it is passed on at once, where it arrived, and counted in `late` (the live
 * baselines see late deliveries in the same place, so training does as production does).
 * At most `maxItems` are held; beyond that the oldest goes out early.
 */
export class ReorderBuffer<T> {
  private readonly heap: { t: number; seq: number; item: T }[] = [];
  private seq = 0;
  private newest = Number.NEGATIVE_INFINITY;
  private released = Number.NEGATIVE_INFINITY;
  /** Items passed on out of order: older than one already released. */
  late = 0;

  constructor(
    private readonly horizonMs: number,
    private readonly maxItems: number,
    private readonly out: (item: T) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  push(item: T, t: number): void {
    if (Number.isNaN(t)) {
      this.out(item);
      return;
    }
    if (t < this.released) {
      this.late++;
      this.out(item);
      return;
    }
    this.insert({ t, seq: this.seq++, item });
    if (t > this.newest) this.newest = t;
    const upTo = this.newest - this.horizonMs;
    while (this.heap.length && (this.heap[0].t <= upTo || this.heap.length > this.maxItems))
      this.releaseMin();
  }

  /** Releases everything held, in order (end of the stream). */
  flush(): void {
    while (this.heap.length) this.releaseMin();
  }

  private releaseMin(): void {
    const top = this.heap[0];
    const last = this.heap.pop() as (typeof this.heap)[number];
    if (this.heap.length) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    this.released = top.t;
    this.out(top.item);
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return x.t < y.t || (x.t === y.t && x.seq < y.seq);
  }

  private insert(node: (typeof this.heap)[number]): void {
    const h = this.heap;
    h.push(node);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(l, m)) m = l;
      if (r < h.length && this.less(r, m)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
