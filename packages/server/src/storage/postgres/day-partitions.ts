/** Day partitions of the events table: named per UTC day, created on demand, dropped by retention. */
import type pg from "pg";

/** Milliseconds in a day. */
export const DAY = 86_400_000;

/** Partition name of a day number (days since the epoch), e.g. `events_p20261121`. */
export function partitionName(day: number): string {
  return "events_p" + new Date(day * DAY).toISOString().slice(0, 10).replaceAll("-", "");
}

/** The day number a partition name stands for, or null for other tables. */
export function partitionDay(name: string): number | null {
  const m = /^events_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY : null;
}

/** Knows which day partitions exist and creates missing ones. */
export class DayPartitions {
  private known = new Set<number>();

  constructor(private readonly pool: pg.Pool) {}

  /** Reads the existing partitions from the catalogue. */
  async refresh(): Promise<void> {
    const r = await this.pool.query<{ name: string }>("SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass");
    this.known = new Set(r.rows.map((x) => partitionDay(x.name)).filter((d): d is number => d !== null));
  }

  /** Days (sorted) with a partition, as last known. */
  days(): number[] {
    return [...this.known].sort((a, b) => a - b);
  }

  /** Creates the partitions of these days that are not known to exist. */
  async ensure(days: Iterable<number>): Promise<void> {
    for (const day of days) {
      if (this.known.has(day)) continue;
      try {
        await this.pool.query(`CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF events FOR VALUES FROM (${day * DAY}) TO (${(day + 1) * DAY})`);
      } catch (err) {
        // Another instance created it at the same moment: the catalogue race surfaces as a
        // duplicate. Anything else is a real failure.
        const code = (err as { code?: string }).code;
        if (code !== "42P07" && code !== "23505") throw err;
      }
      this.known.add(day);
    }
  }

  /** Forgets a dropped partition. */
  forget(day: number): void {
    this.known.delete(day);
  }
}
