/**
 * The alert store of the embedded store. Reads use the serving thread's connection; writes are
 * handed to the writer thread (sqlite-alert-writer.ts), one transaction each, answered once
 * committed with the store's synchronous setting, like every other write.
 */
import type Database from "better-sqlite3";
import type { AlertHistoryEntry, AlertRecord, AlertRule, AlertStore, DeliveryAttempt, GroupState, OutboxEntry, Silence } from "../../core/alerting/types.js";
import { outboxCountsOf } from "../alert-rows.js";
import type { AlertWrite } from "./sqlite-alert-writer.js";

type OutboxRow = { notification: string; state: OutboxEntry["state"]; attempts: number; next_attempt_at: number; last_error: string | null; updated_at: number };
type GroupRow = { group_key: string; channel: string; last_sent_at: number | null; last_firing: string };

const toEntry = (r: OutboxRow): OutboxEntry => ({ notification: JSON.parse(r.notification) as OutboxEntry["notification"], state: r.state, attempts: r.attempts, next_attempt_at: r.next_attempt_at, last_error: r.last_error, updated_at: r.updated_at });
const toGroup = (r: GroupRow): GroupState => ({ group_key: r.group_key, channel: r.channel, last_sent_at: r.last_sent_at, last_firing: JSON.parse(r.last_firing) as string[] });
const records = (rows: unknown[]) => (rows as { record: string }[]).map((r) => JSON.parse(r.record) as AlertRecord);

/** Builds the alert store on the reading connection `db`, sending writes through `write`. */
export function createSqliteAlertStore(db: Database.Database, write: (w: AlertWrite) => Promise<unknown>): AlertStore {
  const listRules = db.prepare("SELECT definition FROM alert_rules ORDER BY name");
  const getSetting = db.prepare("SELECT value FROM alert_settings WHERE key = ?");
  const openAlerts = db.prepare("SELECT record FROM alerts WHERE state <> 'resolved' ORDER BY active_at, id");
  const getAlert = db.prepare("SELECT record FROM alerts WHERE id = ?");
  const history = db.prepare(`SELECT alert_id, at, event, "by", note, value FROM alert_history WHERE alert_id = ? ORDER BY at, n`);
  const listSilences = db.prepare("SELECT silence FROM alert_silences ORDER BY created_at, id");
  const listGroups = db.prepare("SELECT group_key, channel, last_sent_at, last_firing FROM notification_groups ORDER BY group_key, channel");
  const due = db.prepare("SELECT notification, state, attempts, next_attempt_at, last_error, updated_at FROM notification_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at, id LIMIT ?");
  const nextDue = db.prepare("SELECT MIN(next_attempt_at) AS t FROM notification_outbox WHERE state = 'pending'");
  const deliveriesOf = db.prepare(`
    SELECT d.notification_id, d.channel, d.kind, d.attempt, d.status, d.http_status, d.error, d.at
    FROM notification_alerts l JOIN notification_deliveries d ON d.notification_id = l.notification_id
    WHERE l.alert_id = ? ORDER BY d.at DESC, d.n DESC LIMIT ?`);
  const allDeliveries = db.prepare("SELECT notification_id, channel, kind, attempt, status, http_status, error, at FROM notification_deliveries ORDER BY at DESC, n DESC LIMIT ?");
  const counts = db.prepare("SELECT state, COUNT(*) AS n FROM notification_outbox GROUP BY state");

  // listAlerts builds its WHERE from the filters given, so each shape can use its index; at most
  // 2^5 shapes, each prepared once.
  const shapes = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let st = shapes.get(sql);
    if (!st) shapes.set(sql, (st = db.prepare(sql)));
    return st;
  };

  return {
    async listRules() {
      return (listRules.all() as { definition: string }[]).map((r) => JSON.parse(r.definition) as AlertRule);
    },
    async putRule(rule) {
      await write({ m: "putRule", rule, at: Date.now() });
    },
    async deleteRule(name) {
      return (await write({ m: "deleteRule", name })) as boolean;
    },

    async getSetting(key) {
      const r = getSetting.get(key) as { value: string } | undefined;
      return r ? (JSON.parse(r.value) as unknown) : null;
    },
    async putSetting(key, value) {
      await write({ m: "putSetting", key, value: JSON.stringify(value ?? null), at: Date.now() });
    },

    async saveAlerts(alerts, history) {
      if (alerts.length === 0 && history.length === 0) return;
      await write({ m: "saveAlerts", alerts, history });
    },
    async deleteAlerts(ids) {
      if (ids.length) await write({ m: "deleteAlerts", ids });
    },
    async openAlerts() {
      return records(openAlerts.all());
    },
    async getAlert(id) {
      const r = getAlert.get(id) as { record: string } | undefined;
      return r ? (JSON.parse(r.record) as AlertRecord) : null;
    },
    async listAlerts(q) {
      const where: string[] = [];
      const params: unknown[] = [];
      const filter = (sql: string, param: unknown) => {
        where.push(sql);
        params.push(param);
      };
      if (q.states?.length) filter("state IN (SELECT value FROM json_each(?))", JSON.stringify(q.states));
      if (q.severities?.length) filter("severity IN (SELECT value FROM json_each(?))", JSON.stringify(q.severities));
      if (q.rule !== undefined) filter("rule = ?", q.rule);
      if (q.since !== undefined) filter("changed_at >= ?", q.since);
      // Every wanted label present with that value; json_each takes any label name as it is.
      if (q.labels && Object.keys(q.labels).length) filter("NOT EXISTS (SELECT 1 FROM json_each(?) f WHERE NOT EXISTS (SELECT 1 FROM json_each(alerts.record, '$.labels') l WHERE l.key = f.key AND l.value = f.value))", JSON.stringify(q.labels));
      const cond = where.length ? `WHERE ${where.join(" AND ")}` : "";
      const rows = prepared(`SELECT record, COUNT(*) OVER () AS total FROM alerts ${cond} ORDER BY changed_at DESC, id DESC LIMIT ?`).all(...params, q.limit ?? -1) as { record: string; total: number }[];
      // The window count rides on the rows; with no row returned it is counted on its own (limit 0).
      const total = rows.length ? rows[0]!.total : q.limit === 0 ? (prepared(`SELECT COUNT(*) AS total FROM alerts ${cond}`).get(...params) as { total: number }).total : 0;
      return { alerts: records(rows), total };
    },
    async history(alertId) {
      return history.all(alertId) as AlertHistoryEntry[];
    },
    async deleteResolvedBefore(before) {
      return (await write({ m: "deleteResolvedBefore", before })) as number;
    },

    async listSilences() {
      return (listSilences.all() as { silence: string }[]).map((r) => JSON.parse(r.silence) as Silence);
    },
    async putSilence(silence) {
      await write({ m: "putSilence", silence });
    },
    async deleteSilence(id) {
      return (await write({ m: "deleteSilence", id })) as boolean;
    },

    async listGroupStates() {
      return (listGroups.all() as GroupRow[]).map(toGroup);
    },
    async enqueue(notifications, groups, now) {
      if (notifications.length === 0 && groups.length === 0) return;
      await write({ m: "enqueue", notifications, groups, now });
    },
    async due(now, limit) {
      return (due.all(now, limit) as OutboxRow[]).map(toEntry);
    },
    async nextDue() {
      return (nextDue.get() as { t: number | null }).t;
    },
    async recordAttempt(id, update, attempt) {
      await write({ m: "recordAttempt", id, update, attempt });
    },
    async deliveries(alertId, limit) {
      return (alertId === null ? allDeliveries.all(limit) : deliveriesOf.all(alertId, limit)) as DeliveryAttempt[];
    },
    async outboxCounts() {
      return outboxCountsOf(counts.all() as { state: string; n: number }[]);
    },
    async deleteDeliveredBefore(before) {
      return (await write({ m: "deleteDeliveredBefore", before })) as number;
    },
  };
}
