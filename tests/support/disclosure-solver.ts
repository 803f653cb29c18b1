/**
 * An attacker's solver for published counts: unknown non-negative integers
 * (the hidden cells), each within an interval, and sums of some of them
 * known to lie within an interval (a total, a difference of totals, a bound
 * such as the seats of a month's meetings). It answers, for each unknown,
 * which values are still possible given everything — exactly, by search
 * with bound propagation, not by estimate. A value that is the only one
 * possible is a hidden cell given away.
 */
export interface Interval {
  lo: number;
  hi: number;
}

interface SumConstraint {
  vars: number[];
  lo: number;
  hi: number;
}

/** Small enough domains are tried value by value; larger ones are split in halves. */
const ENUMERATE_BELOW = 16;
/** A guard against a search that would never end; the systems here are far smaller. */
const MAX_NODES = 2_000_000;

export class DisclosureSolver {
  readonly #domains: Interval[] = [];
  readonly #constraints: SumConstraint[] = [];
  #nodes = 0;

  /** A new unknown, known to lie in [lo, hi]. */
  unknown(lo: number, hi: number): number {
    this.#domains.push({ lo, hi });
    return this.#domains.length - 1;
  }

  /** The sum of `vars` lies in [lo, hi] (the constant parts already taken off). */
  sum(vars: number[], lo: number, hi: number): void {
    if (vars.length === 0) {
      if (lo > 0 || hi < 0) throw new Error(`an empty sum must be 0, not [${lo}, ${hi}]: the published figures contradict each other`);
      return;
    }
    this.#constraints.push({ vars, lo, hi });
  }

  get size(): number {
    return this.#domains.length;
  }

  /** Whether some assignment satisfies everything, with some unknowns held to given intervals. */
  feasible(fixed: ReadonlyMap<number, Interval> = new Map()): boolean {
    const domains = this.#domains.map((d, i) => {
      const f = fixed.get(i);
      return f ? { lo: Math.max(d.lo, f.lo), hi: Math.min(d.hi, f.hi) } : { ...d };
    });
    this.#nodes = 0;
    return this.#search(domains);
  }

  /**
   * The values `v` can still take: every one when there are at most `limit`
   * candidates, else the smallest and largest possible and `many: true`.
   */
  possible(v: number, limit = 64): { values: number[]; many: boolean } {
    const domain = this.#domains[v];
    if (!domain) throw new Error(`no unknown ${v}`);
    const bounds = this.#propagated();
    if (!bounds) return { values: [], many: false };
    const { lo, hi } = bounds[v] ?? domain;
    if (hi - lo + 1 <= limit) {
      const values: number[] = [];
      for (let x = lo; x <= hi; x++) if (this.feasible(new Map([[v, { lo: x, hi: x }]]))) values.push(x);
      return { values, many: false };
    }
    const smallest = this.#extreme(v, lo, hi, 'min');
    const largest = this.#extreme(v, lo, hi, 'max');
    return { values: [smallest, largest].filter((x): x is number => x !== undefined), many: smallest !== largest };
  }

  /** The smallest (or largest) feasible value of `v` in [lo, hi], by halving. */
  #extreme(v: number, lo: number, hi: number, which: 'min' | 'max'): number | undefined {
    if (!this.feasible(new Map([[v, { lo, hi }]]))) return undefined;
    let [a, b] = [lo, hi];
    while (a < b) {
      const mid = Math.floor((a + b) / 2);
      if (which === 'min') {
        if (this.feasible(new Map([[v, { lo: a, hi: mid }]]))) b = mid;
        else a = mid + 1;
      } else if (this.feasible(new Map([[v, { lo: mid + 1, hi: b }]]))) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  #propagated(): Interval[] | undefined {
    const domains = this.#domains.map((d) => ({ ...d }));
    return this.#propagate(domains) ? domains : undefined;
  }

  /** Tightens every interval from every sum until nothing changes; false when something is impossible. */
  #propagate(domains: Interval[]): boolean {
    for (let changed = true; changed; ) {
      changed = false;
      for (const c of this.#constraints) {
        let sumLo = 0;
        let sumHi = 0;
        for (const v of c.vars) {
          sumLo += domains[v]!.lo;
          sumHi += domains[v]!.hi;
        }
        if (sumLo > c.hi || sumHi < c.lo) return false;
        for (const v of c.vars) {
          const d = domains[v]!;
          const lo = Math.max(d.lo, c.lo - (sumHi - d.hi));
          const hi = Math.min(d.hi, c.hi - (sumLo - d.lo));
          if (lo > hi) return false;
          if (lo !== d.lo || hi !== d.hi) {
            sumLo += lo - d.lo;
            sumHi += hi - d.hi;
            d.lo = lo;
            d.hi = hi;
            changed = true;
          }
        }
      }
    }
    return true;
  }

  #search(domains: Interval[]): boolean {
    if (++this.#nodes > MAX_NODES) throw new Error('the solver searched too long: the system is larger than these tests expect');
    if (!this.#propagate(domains)) return false;
    let pick = -1;
    for (let i = 0; i < domains.length; i++) {
      const d = domains[i]!;
      if (d.lo < d.hi && (pick < 0 || d.hi - d.lo < domains[pick]!.hi - domains[pick]!.lo)) pick = i;
    }
    if (pick < 0) return true;
    const { lo, hi } = domains[pick]!;
    const branches: Interval[] =
      hi - lo < ENUMERATE_BELOW
        ? Array.from({ length: hi - lo + 1 }, (_, i) => ({ lo: lo + i, hi: lo + i }))
        : [
            { lo, hi: Math.floor((lo + hi) / 2) },
            { lo: Math.floor((lo + hi) / 2) + 1, hi },
          ];
    for (const branch of branches) {
      const next = domains.map((d) => ({ ...d }));
      next[pick] = branch;
      if (this.#search(next)) return true;
    }
    return false;
  }
}
