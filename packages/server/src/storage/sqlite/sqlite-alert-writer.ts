/**
 * The alert store's writes on the embedded store. They run on the writer thread, like every other
 * write (docs/architecture.md): one writing connection means no lock waits between writers and no
 * fsync on the serving thread. Each call is one transaction.
 */
import type Database from "better-sqlite3";
import type { AlertHistoryEntry, AlertRecord, AlertRule, DeliveryAttempt, GroupState, Notification, OutboxState, Silence } from "../../core/alerting/types.js";
import { changedAt } from "../alert-rows.js";

/** One write of the alert store, as sent to the writer thread (plain data, cloned across). */
export type AlertWrite =
  | { m: "putRule"; rule: AlertRule; at: number }
  | { m: "deleteRule"; name: string }
  | { m: "putSetting"; key: string; value: string; at: number }
  | { m: "saveAlerts"; alerts: readonly AlertRecord[]; history: readonly AlertHistoryEntry[] }
  | { m: "deleteAlerts"; ids: readonly string[] }
  | { m: "deleteResolvedBefore"; before: number }
  | { m: "putSilence"; silence: Silence }
  | { m: "deleteSilence"; id: string }
  | { m: "enqueue"; notifications: readonly Notification[]; groups: readonly GroupState[]; now: number }
  | { m: "recordAttempt"; id: string; update: { state: OutboxState; attempts: number; next_attempt_at: number; last_error: string | null; updated_at: number }; attempt: DeliveryAttempt }
  | { m: "deleteDeliveredBefore"; before: number };

/** Prepares the alert store's write statements on `db`; the result applies one write and returns its answer. */
export function createAlertWriter(db: Database.Database): (w: AlertWrite) => unknown {
  const putRule = db.prepare("INSERT INTO alert_rules (name, definition, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at");
  const deleteRule = db.prepare("DELETE FROM alert_rules WHERE name = ?");
  const putSetting = db.prepare("INSERT INTO alert_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");

  const upsertAlert = db.prepare(`
    INSERT INTO alerts (id, fingerprint, rule, severity, state, active_at, changed_at, resolved_at, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint, rule = excluded.rule, severity = excluded.severity, state = excluded.state,
      active_at = excluded.active_at, changed_at = excluded.changed_at, resolved_at = excluded.resolved_at, record = excluded.record`);
  const addHistory = db.prepare(`INSERT INTO alert_history (alert_id, at, event, "by", note, value) VALUES (?, ?, ?, ?, ?, ?)`);
  const saveAlerts = db.transaction((alerts: readonly AlertRecord[], history: readonly AlertHistoryEntry[]) => {
    for (const a of alerts) upsertAlert.run(a.id, a.fingerprint, a.rule, a.severity, a.state, a.active_at, changedAt(a), a.resolved_at ?? null, JSON.stringify(a));
    for (const h of history) addHistory.run(h.alert_id, h.at, h.event, h.by ?? null, h.note ?? null, h.value ?? null);
  });
  const deleteAlert = db.prepare("DELETE FROM alerts WHERE id = ?");
  const deleteHistory = db.prepare("DELETE FROM alert_history WHERE alert_id = ?");
  const deleteAlerts = db.transaction((ids: readonly string[]) => {
    for (const id of ids) {
      deleteAlert.run(id);
      deleteHistory.run(id);
    }
  });
  const deleteResolved = db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ? RETURNING id");
  const deleteResolvedBefore = db.transaction((before: number) => {
    const ids = deleteResolved.all(before) as { id: string }[];
    for (const r of ids) deleteHistory.run(r.id);
    return ids.length;
  });

  const putSilence = db.prepare("INSERT INTO alert_silences (id, silence, created_at, ends_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET silence = excluded.silence, created_at = excluded.created_at, ends_at = excluded.ends_at");
  const deleteSilence = db.prepare("DELETE FROM alert_silences WHERE id = ?");

  const queue = db.prepare(`
    INSERT INTO notification_outbox (id, channel, notification, state, attempts, next_attempt_at, last_error, created_at, updated_at)
    VALUES (?, ?, ?, 'pending', 0, ?, NULL, ?, ?) ON CONFLICT(id) DO NOTHING`);
  const link = db.prepare("INSERT INTO notification_alerts (alert_id, notification_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
  const putGroup = db.prepare("INSERT INTO notification_groups (group_key, channel, last_sent_at, last_firing) VALUES (?, ?, ?, ?) ON CONFLICT(group_key, channel) DO UPDATE SET last_sent_at = excluded.last_sent_at, last_firing = excluded.last_firing");
  const enqueue = db.transaction((notifications: readonly Notification[], groups: readonly GroupState[], now: number) => {
    for (const n of notifications) {
      // An id already queued keeps its entry (and its links) as they are.
      if (queue.run(n.id, n.channel, JSON.stringify(n), now, n.created_at, now).changes === 0) continue;
      for (const a of n.alerts) link.run(a.id, n.id);
    }
    for (const g of groups) putGroup.run(g.group_key, g.channel, g.last_sent_at ?? null, JSON.stringify(g.last_firing));
  });

  const updateEntry = db.prepare("UPDATE notification_outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?");
  const logAttempt = db.prepare("INSERT INTO notification_deliveries (notification_id, channel, kind, attempt, status, http_status, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const recordAttempt = db.transaction((id: string, u: Extract<AlertWrite, { m: "recordAttempt" }>["update"], a: DeliveryAttempt) => {
    updateEntry.run(u.state, u.attempts, u.next_attempt_at, u.last_error ?? null, u.updated_at, id);
    logAttempt.run(a.notification_id, a.channel, a.kind, a.attempt, a.status, a.http_status ?? null, a.error ?? null, a.at);
  });

  const deleteDone = db.prepare("DELETE FROM notification_outbox WHERE state IN ('delivered', 'failed') AND updated_at < ? RETURNING id");
  const deleteLog = db.prepare("DELETE FROM notification_deliveries WHERE notification_id = ?");
  const deleteLinks = db.prepare("DELETE FROM notification_alerts WHERE notification_id = ?");
  // Log lines of notifications that never were in the outbox (or left it) go with the same cut.
  const deleteOrphanLog = db.prepare("DELETE FROM notification_deliveries WHERE at < ? AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.id = notification_id)");
  const deleteDeliveredBefore = db.transaction((before: number) => {
    const ids = deleteDone.all(before) as { id: string }[];
    for (const r of ids) {
      deleteLog.run(r.id);
      deleteLinks.run(r.id);
    }
    deleteOrphanLog.run(before);
    return ids.length;
  });

  return (w) => {
    switch (w.m) {
      case "putRule":
        return void putRule.run(w.rule.name, JSON.stringify(w.rule), w.at);
      case "deleteRule":
        return deleteRule.run(w.name).changes > 0;
      case "putSetting":
        return void putSetting.run(w.key, w.value, w.at);
      case "saveAlerts":
        return void saveAlerts(w.alerts, w.history);
      case "deleteAlerts":
        return void deleteAlerts(w.ids);
      case "deleteResolvedBefore":
        return deleteResolvedBefore(w.before);
      case "putSilence":
        return void putSilence.run(w.silence.id, JSON.stringify(w.silence), w.silence.created_at, w.silence.ends_at);
      case "deleteSilence":
        return deleteSilence.run(w.id).changes > 0;
      case "enqueue":
        return void enqueue(w.notifications, w.groups, w.now);
      case "recordAttempt":
        return void recordAttempt(w.id, w.update, w.attempt);
      case "deleteDeliveredBefore":
        return deleteDeliveredBefore(w.before);
    }
  };
}
