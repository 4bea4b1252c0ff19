/**
 * Leader election among instances sharing one PostgreSQL database: the leader is the instance
 * holding a session advisory lock on its own connection. PostgreSQL releases the lock when that
 * connection ends, so when the leader dies another instance takes over at its next check. Each
 * takeover increments a term stored in the database, which fences writes of a deposed leader.
 */
import pg from "pg";
import type { ClusterStatus, Leadership } from "../../core/ports.js";

/** Options of the election. */
export interface PgLeadershipOptions {
  url: string;
  instanceId: string;
  /** How often to try for leadership and write this instance's heartbeat. */
  checkMs: number;
  connectTimeoutMs: number;
  types: pg.CustomTypesConfig;
}

/** Longest wait before reopening the election connection after failed attempts. */
const RETRY_MAX_MS = 15_000;

/**
 * Wait before the next connection attempt after `failures` failed checks in a row: none after the
 * first (the next check retries), then twice the check interval, doubling up to a cap, with jitter
 * so that instances coming back from one outage do not all reconnect at the same moment.
 */
export function retryDelay(failures: number, checkMs: number, random: () => number = Math.random): number {
  if (failures <= 1) return 0;
  const base = Math.min(checkMs * 2 ** (failures - 1), Math.max(checkMs, RETRY_MAX_MS));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Joins the election; the first check runs at once. */
export function pgLeadership(opts: PgLeadershipOptions): Leadership {
  const startedAt = Date.now();
  const listeners: ((leader: boolean) => void)[] = [];
  let client: pg.Client | null = null;
  let leader = false;
  let term = 0;
  let closed = false;
  let checking: Promise<void> | null = null;
  /** Failed checks in a row, and when the connection may be tried again. */
  let failures = 0;
  let retryAt = 0;

  const setLeader = (value: boolean) => {
    if (leader === value) return;
    leader = value;
    if (!value) term = 0;
    for (const l of listeners) l(value);
  };
  const drop = () => {
    const c = client;
    client = null;
    // Closing the connection releases the advisory lock at once for the others.
    if (c) void c.end().catch(() => undefined);
    setLeader(false);
  };

  async function check(): Promise<void> {
    if (closed) return;
    try {
      if (!client) {
        if (Date.now() < retryAt) return;
        const c = new pg.Client({ connectionString: opts.url, keepAlive: true, connectionTimeoutMillis: opts.connectTimeoutMs, types: opts.types, application_name: "vigil-leader" });
        // Always listening: an unheard 'error' (backend terminated, server restarted) would end the
        // process. A dead connection is dropped here and replaced by a later check.
        c.on("error", () => {
          if (client === c) drop();
        });
        try {
          await c.connect();
        } catch (err) {
          void c.end().catch(() => undefined);
          throw err;
        }
        client = c;
      }
      const now = Date.now();
      await client.query("INSERT INTO cluster_instances (id, started_at, seen_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at", [opts.instanceId, startedAt, now]);
      if (!leader) {
        const got = (await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(1986094441, hashtext('leader:' || current_schema())) AS ok")).rows[0]!.ok;
        if (got) {
          term = (await client.query<{ term: number }>("UPDATE cluster_leader SET term = term + 1, instance = $1, since = $2 WHERE id = 1 RETURNING term", [opts.instanceId, now])).rows[0]!.term;
          await client.query("DELETE FROM cluster_instances WHERE seen_at < $1", [now - 3_600_000]);
          setLeader(true);
        }
      }
      failures = 0;
    } catch {
      // Unreachable database: leadership is lost (the lock went with the connection); a new
      // connection is tried after a backoff, so an outage does not turn into a connection storm.
      failures++;
      retryAt = Date.now() + retryDelay(failures, opts.checkMs);
      drop();
    }
  }

  const run = () => {
    if (!checking) checking = check().finally(() => (checking = null));
    return checking;
  };
  void run();
  const timer = setInterval(() => void run(), opts.checkMs);
  timer.unref();

  return {
    instanceId: opts.instanceId,
    isLeader: () => leader,
    term: () => term,
    onChange: (l) => void listeners.push(l),
    async status(): Promise<ClusterStatus> {
      const base: ClusterStatus = { instance_id: opts.instanceId, leader, term, leader_id: leader ? opts.instanceId : null, instances: [] };
      const c = client;
      if (!c) return base;
      try {
        const since = Date.now() - Math.max(3 * opts.checkMs, 10_000);
        const l = (await c.query<{ instance: string | null; term: number }>("SELECT instance, term FROM cluster_leader WHERE id = 1")).rows[0]!;
        const rows = (await c.query<{ id: string; started_at: number; seen_at: number }>("SELECT id, started_at, seen_at FROM cluster_instances WHERE seen_at >= $1 ORDER BY started_at, id", [since])).rows;
        return { ...base, leader_id: l.instance, term: leader ? term : l.term, instances: rows };
      } catch {
        return base;
      }
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await checking;
      const c = client;
      client = null;
      leader = false;
      if (c) await c.end().catch(() => undefined);
    },
  };
}
