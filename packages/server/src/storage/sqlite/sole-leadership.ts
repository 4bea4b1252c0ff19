/** Leadership of a store that only one process opens: that process always leads. */
import type { Leadership } from "../../core/ports.js";

/** The only instance is the leader, for its whole life, in term 1. */
export function soleLeadership(instanceId: string): Leadership {
  const startedAt = Date.now();
  return {
    instanceId,
    isLeader: () => true,
    term: () => 1,
    onChange: () => undefined,
    status: async () => ({ instance_id: instanceId, leader: true, term: 1, leader_id: instanceId, instances: [{ id: instanceId, started_at: startedAt, seen_at: Date.now() }] }),
    close: async () => undefined,
  };
}
