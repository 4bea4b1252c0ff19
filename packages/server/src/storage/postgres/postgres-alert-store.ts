/**
 * The alert store of the PostgreSQL store. Every write that touches several tables is one
 * statement (data-modifying CTEs), so it is one transaction without holding a connection across
 * round trips, and every instance sharing the database sees it once committed.
 */
import type pg from "pg";
import type { AlertHistoryEntry, AlertRecord, AlertRule, AlertStore, DeliveryAttempt, GroupState, OutboxEntry, Silence } from "../../core/alerting/types.js";
import { changedAt, lastById, outboxCountsOf } from "../alert-rows.js";

type OutboxRow = { notification: string; state: OutboxEntry["state"]; attempts: number; next_attempt_at: number; last_error: string | null; updated_at: number };
type GroupRow = { group_key: string; channel: string; last_sent_at: number | null; last_firing: string };

const toEntry = (r: OutboxRow): OutboxEntry => ({ notification: JSON.parse(r.notification) as OutboxEntry["notification"], state: r.state, attempts: r.attempts, next_attempt_at: r.next_attempt_at, last_error: r.last_error, updated_at: r.updated_at });
const toGroup = (r: GroupRow): GroupState => ({ group_key: r.group_key, channel: r.channel, last_sent_at: r.last_sent_at, last_firing: JSON.parse(r.last_firing) as string[] });
const records = (rows: { record: string }[]) => rows.map((r) => JSON.parse(r.record) as AlertRecord);

// History rows keep the order given (identity values follow ORDINALITY), the tie-break of `history`.
const SAVE_ALERTS = `
WITH a AS (
  INSERT INTO alerts (id, fingerprint, rule, severity, state, active_at, changed_at, resolved_at, record)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[], $9::text[])
  ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, rule = excluded.rule, severity = excluded.severity, state = excluded.state,
    active_at = excluded.active_at, changed_at = excluded.changed_at, resolved_at = excluded.resolved_at, record = excluded.record
), h AS (
  INSERT INTO alert_history (alert_id, at, event, "by", note, value)
  SELECT alert_id, at, event, "by", note, value
  FROM unnest($10::text[], $11::int8[], $12::text[], $13::text[], $14::text[], $15::float8[]) WITH ORDINALITY AS x(alert_id, at, event, "by", note, value, i)
  ORDER BY i
)
SELECT 1`;

// New ids only are queued and linked to their alerts; an id already queued keeps its entry.
const ENQUEUE = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS x(id, channel, notification, created_at)
), ins AS (
  INSERT INTO notification_outbox (id, channel, notification, state, attempts, next_attempt_at, last_error, created_at, updated_at)
  SELECT id, channel, notification, 'pending', 0, $5::int8, NULL, created_at, $5::int8 FROM input
  ON CONFLICT (id) DO NOTHING RETURNING id
), links AS (
  INSERT INTO notification_alerts (alert_id, notification_id)
  SELECT l.alert_id, l.notification_id FROM unnest($6::text[], $7::text[]) AS l(notification_id, alert_id) JOIN ins ON ins.id = l.notification_id
  ON CONFLICT DO NOTHING
), groups AS (
  INSERT INTO notification_groups (group_key, channel, last_sent_at, last_firing)
  SELECT * FROM unnest($8::text[], $9::text[], $10::int8[], $11::text[])
  ON CONFLICT (group_key, channel) DO UPDATE SET last_sent_at = excluded.last_sent_at, last_firing = excluded.last_firing
)
SELECT 1`;

const RECORD_ATTEMPT = `
WITH u AS (
  UPDATE notification_outbox SET state = $2, attempts = $3, next_attempt_at = $4, last_error = $5, updated_at = $6 WHERE id = $1
)
INSERT INTO notification_deliveries (notification_id, channel, kind, attempt, status, http_status, error, at) VALUES ($7, $8, $9, $10, $11, $12, $13, $14)`;

// Log lines of notifications that never were in the outbox (or left it) go with the same cut.
const DELETE_DELIVERED = `
WITH d AS (
  DELETE FROM notification_outbox WHERE state IN ('delivered', 'failed') AND updated_at < $1 RETURNING id
), log AS (
  DELETE FROM notification_deliveries l
  WHERE l.notification_id IN (SELECT id FROM d) OR (l.at < $1 AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.id = l.notification_id))
), links AS (
  DELETE FROM notification_alerts WHERE notification_id IN (SELECT id FROM d)
)
SELECT count(*) AS n FROM d`;

const DELIVERY_COLUMNS = "d.notification_id, d.channel, d.kind, d.attempt, d.status, d.http_status, d.error, d.at";

/** Builds the alert store on `pool` (the storage wraps it in its guard, which classifies failures). */
export function createPostgresAlertStore(pool: pg.Pool): AlertStore {
  const q = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => pool.query<R>(text, values);

  return {
    async listRules() {
      return (await q<{ definition: string }>("SELECT definition FROM alert_rules ORDER BY name")).rows.map((r) => JSON.parse(r.definition) as AlertRule);
    },
    async putRule(rule) {
      await q("INSERT INTO alert_rules (name, definition, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at", [rule.name, JSON.stringify(rule), Date.now()]);
    },
    async deleteRule(name) {
      return ((await q("DELETE FROM alert_rules WHERE name = $1", [name])).rowCount ?? 0) > 0;
    },

    async getSetting(key) {
      const r = (await q<{ value: string }>("SELECT value FROM alert_settings WHERE key = $1", [key])).rows[0];
      return r ? (JSON.parse(r.value) as unknown) : null;
    },
    async putSetting(key, value) {
      await q("INSERT INTO alert_settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at", [key, JSON.stringify(value ?? null), Date.now()]);
    },

    async saveAlerts(alerts, history) {
      if (alerts.length === 0 && history.length === 0) return;
      // One statement cannot upsert a row twice: the last record of an id wins, as it would one by one.
      const as = lastById(alerts);
      await q(SAVE_ALERTS, [
        as.map((a) => a.id), as.map((a) => a.fingerprint), as.map((a) => a.rule), as.map((a) => a.severity), as.map((a) => a.state),
        as.map((a) => a.active_at), as.map(changedAt), as.map((a) => a.resolved_at ?? null), as.map((a) => JSON.stringify(a)),
        history.map((h) => h.alert_id), history.map((h) => h.at), history.map((h) => h.event), history.map((h) => h.by ?? null), history.map((h) => h.note ?? null), history.map((h) => h.value ?? null),
      ]);
    },
    async deleteAlerts(ids) {
      if (ids.length === 0) return;
      await q("WITH a AS (DELETE FROM alerts WHERE id = ANY($1::text[])) DELETE FROM alert_history WHERE alert_id = ANY($1::text[])", [ids]);
    },
    async openAlerts() {
      return records((await q<{ record: string }>("SELECT record FROM alerts WHERE state <> 'resolved' ORDER BY active_at, id")).rows);
    },
    async getAlert(id) {
      const r = (await q<{ record: string }>("SELECT record FROM alerts WHERE id = $1", [id])).rows[0];
      return r ? (JSON.parse(r.record) as AlertRecord) : null;
    },
    async listAlerts(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      const filter = (sql: (...p: string[]) => string, ...values: unknown[]) => {
        where.push(sql(...values.map((v) => `$${params.push(v)}`)));
      };
      if (query.states?.length) filter((p) => `state = ANY(${p}::text[])`, query.states);
      if (query.severities?.length) filter((p) => `severity = ANY(${p}::text[])`, query.severities);
      if (query.rule !== undefined) filter((p) => `rule = ${p}`, query.rule);
      if (query.since !== undefined) filter((p) => `changed_at >= ${p}::int8`, query.since);
      if (query.labels && Object.keys(query.labels).length) {
        // Every wanted label present with that value; labels live in the record only.
        const entries = Object.entries(query.labels);
        filter((k, v) => `NOT EXISTS (SELECT 1 FROM unnest(${k}::text[], ${v}::text[]) AS f(k, v) WHERE (record::json -> 'labels' ->> f.k) IS DISTINCT FROM f.v)`, entries.map(([k]) => k), entries.map(([, v]) => v));
      }
      const cond = where.length ? `WHERE ${where.join(" AND ")}` : "";
      const rows = (await q<{ record: string; total: number }>(`SELECT record, count(*) OVER () AS total FROM alerts ${cond} ORDER BY changed_at DESC, id DESC LIMIT $${params.length + 1}`, [...params, query.limit ?? null])).rows;
      // The window count rides on the rows; with no row returned it is counted on its own (limit 0).
      const total = rows.length ? rows[0]!.total : query.limit === 0 ? (await q<{ total: number }>(`SELECT count(*) AS total FROM alerts ${cond}`, params)).rows[0]!.total : 0;
      return { alerts: records(rows), total };
    },
    async history(alertId) {
      return (await q<AlertHistoryEntry>(`SELECT alert_id, at, event, "by", note, value FROM alert_history WHERE alert_id = $1 ORDER BY at, n`, [alertId])).rows;
    },
    async deleteResolvedBefore(before) {
      const r = await q<{ n: number }>("WITH d AS (DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < $1 RETURNING id), h AS (DELETE FROM alert_history WHERE alert_id IN (SELECT id FROM d)) SELECT count(*) AS n FROM d", [before]);
      return r.rows[0]!.n;
    },

    async listSilences() {
      return (await q<{ silence: string }>("SELECT silence FROM alert_silences ORDER BY created_at, id")).rows.map((r) => JSON.parse(r.silence) as Silence);
    },
    async putSilence(s) {
      await q("INSERT INTO alert_silences (id, silence, created_at, ends_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET silence = excluded.silence, created_at = excluded.created_at, ends_at = excluded.ends_at", [s.id, JSON.stringify(s), s.created_at, s.ends_at]);
    },
    async deleteSilence(id) {
      return ((await q("DELETE FROM alert_silences WHERE id = $1", [id])).rowCount ?? 0) > 0;
    },

    async listGroupStates() {
      return (await q<GroupRow>("SELECT group_key, channel, last_sent_at, last_firing FROM notification_groups ORDER BY group_key, channel")).rows.map(toGroup);
    },
    async enqueue(notifications, groups, now) {
      if (notifications.length === 0 && groups.length === 0) return;
      const links = notifications.flatMap((n) => n.alerts.map((a) => [n.id, a.id] as const));
      // As with alerts, the last state of a group in the batch wins.
      const gs = [...new Map(groups.map((g) => [JSON.stringify([g.group_key, g.channel]), g])).values()];
      await q(ENQUEUE, [
        notifications.map((n) => n.id), notifications.map((n) => n.channel), notifications.map((n) => JSON.stringify(n)), notifications.map((n) => n.created_at), now,
        links.map((l) => l[0]), links.map((l) => l[1]),
        gs.map((g) => g.group_key), gs.map((g) => g.channel), gs.map((g) => g.last_sent_at ?? null), gs.map((g) => JSON.stringify(g.last_firing)),
      ]);
    },
    async due(now, limit) {
      const r = await q<OutboxRow>("SELECT notification, state, attempts, next_attempt_at, last_error, updated_at FROM notification_outbox WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, created_at, id LIMIT $2", [now, limit]);
      return r.rows.map(toEntry);
    },
    async nextDue() {
      return (await q<{ t: number | null }>("SELECT min(next_attempt_at) AS t FROM notification_outbox WHERE state = 'pending'")).rows[0]!.t;
    },
    async recordAttempt(id, u, a) {
      await q(RECORD_ATTEMPT, [id, u.state, u.attempts, u.next_attempt_at, u.last_error ?? null, u.updated_at, a.notification_id, a.channel, a.kind, a.attempt, a.status, a.http_status ?? null, a.error ?? null, a.at]);
    },
    async deliveries(alertId, limit) {
      const r = alertId === null
        ? await q<DeliveryAttempt>(`SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries d ORDER BY d.at DESC, d.n DESC LIMIT $1`, [limit])
        : await q<DeliveryAttempt>(`SELECT ${DELIVERY_COLUMNS} FROM notification_alerts l JOIN notification_deliveries d ON d.notification_id = l.notification_id WHERE l.alert_id = $1 ORDER BY d.at DESC, d.n DESC LIMIT $2`, [alertId, limit]);
      return r.rows;
    },
    async outboxCounts() {
      return outboxCountsOf((await q<{ state: string; n: number }>("SELECT state, count(*) AS n FROM notification_outbox GROUP BY state")).rows);
    },
    async deleteDeliveredBefore(before) {
      return (await q<{ n: number }>(DELETE_DELIVERED, [before])).rows[0]!.n;
    },
  };
}
