/** Versioned schema of the embedded store. Append new versions; never edit an applied one. */

import type { Migration } from "../migration.js";

export type { Migration };

/** Every migration, in order. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "raw events, rollup buckets, price entries",
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        type INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        run_id TEXT,
        task_id TEXT,
        body TEXT NOT NULL
      );
      CREATE UNIQUE INDEX events_id ON events(id);
      CREATE INDEX events_ts ON events(ts);
      CREATE INDEX events_run_id ON events(run_id) WHERE run_id IS NOT NULL;
      CREATE INDEX events_task_id ON events(task_id) WHERE task_id IS NOT NULL;
      CREATE TABLE rollups (
        tier TEXT NOT NULL,
        start INTEGER NOT NULL,
        key TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (tier, start, key)
      ) WITHOUT ROWID;
      CREATE TABLE rollup_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        watermark INTEGER NOT NULL
      );
      INSERT INTO rollup_state (id, watermark) VALUES (1, 0);
      CREATE TABLE prices (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        entry TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: "event counts per type, kept in step with appends and retention",
    sql: `
      CREATE TABLE event_counts (type INTEGER PRIMARY KEY, n INTEGER NOT NULL);
      INSERT INTO event_counts (type, n) SELECT type, COUNT(*) FROM events GROUP BY type;
    `,
  },
  {
    version: 3,
    description: "time index of custom metric events only",
    sql: `CREATE INDEX events_metric_ts ON events(ts) WHERE type = 4;`,
  },
  {
    version: 4,
    description: "alerting: rules, settings, alerts and history, silences, notification groups, outbox and delivery log",
    sql: `
      CREATE TABLE alert_rules (name TEXT PRIMARY KEY, definition TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE alert_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
      -- The whole record is JSON; the columns beside it are what queries filter and sort on.
      -- changed_at is the record's latest lifecycle time (activity order and the since filter).
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        active_at INTEGER NOT NULL,
        changed_at INTEGER NOT NULL,
        resolved_at INTEGER,
        record TEXT NOT NULL
      );
      CREATE INDEX alerts_open ON alerts(fingerprint) WHERE state <> 'resolved';
      CREATE INDEX alerts_state_severity ON alerts(state, severity);
      CREATE INDEX alerts_rule ON alerts(rule, changed_at);
      CREATE INDEX alerts_changed_at ON alerts(changed_at);
      CREATE INDEX alerts_resolved_at ON alerts(resolved_at) WHERE state = 'resolved';
      CREATE TABLE alert_history (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        "by" TEXT,
        note TEXT,
        value REAL
      );
      CREATE INDEX alert_history_alert ON alert_history(alert_id, at);
      CREATE TABLE alert_silences (id TEXT PRIMARY KEY, silence TEXT NOT NULL, created_at INTEGER NOT NULL, ends_at INTEGER NOT NULL);
      CREATE TABLE notification_groups (
        group_key TEXT NOT NULL,
        channel TEXT NOT NULL,
        last_sent_at INTEGER,
        last_firing TEXT NOT NULL,
        PRIMARY KEY (group_key, channel)
      ) WITHOUT ROWID;
      CREATE TABLE notification_outbox (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        notification TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX notification_outbox_due ON notification_outbox(state, next_attempt_at);
      CREATE INDEX notification_outbox_done ON notification_outbox(updated_at) WHERE state <> 'pending';
      -- Which alerts each notification carried, so the delivery log can be read per alert.
      CREATE TABLE notification_alerts (
        alert_id TEXT NOT NULL,
        notification_id TEXT NOT NULL,
        PRIMARY KEY (alert_id, notification_id)
      ) WITHOUT ROWID;
      CREATE INDEX notification_alerts_notification ON notification_alerts(notification_id);
      CREATE TABLE notification_deliveries (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        notification_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        http_status INTEGER,
        error TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX notification_deliveries_notification ON notification_deliveries(notification_id);
      CREATE INDEX notification_deliveries_at ON notification_deliveries(at);
    `,
  },
  {
    version: 5,
    description: "failover: model and route registry, route runtime state, route decision history",
    sql: `
      -- Records are JSON documents; updated_at is when the row was last written.
      CREATE TABLE models (id TEXT PRIMARY KEY, record TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE routes (route TEXT PRIMARY KEY, record TEXT NOT NULL, updated_at INTEGER NOT NULL);
      -- revision is the state's own, copied beside it for the compare-and-set of saveState.
      CREATE TABLE route_state (route TEXT PRIMARY KEY, revision INTEGER NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
      -- History outlives its route (deleting a route keeps it); n orders it, newest last.
      CREATE TABLE route_history (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        route TEXT NOT NULL,
        at INTEGER NOT NULL,
        decision TEXT NOT NULL
      );
      CREATE INDEX route_history_route ON route_history(route, n);
    `,
  },
  {
    version: 6,
    description: "OpenTelemetry spans, keyed by trace and span id, found by trace, session and start time",
    sql: `
      -- Times are epoch milliseconds with their sub-millisecond part; attributes and events are the
      -- span's as received, JSON (bounded by the OTLP decoder's limits).
      CREATE TABLE spans (
        trace_id TEXT NOT NULL,
        span_id TEXT NOT NULL,
        parent_span_id TEXT,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        start_ms REAL NOT NULL,
        end_ms REAL NOT NULL,
        status TEXT NOT NULL,
        status_message TEXT NOT NULL,
        event_type TEXT,
        event_id TEXT,
        service TEXT,
        session_id TEXT,
        attributes TEXT NOT NULL,
        events TEXT NOT NULL
      );
      -- The key that makes a re-sent span a duplicate; it is also how a trace is read.
      CREATE UNIQUE INDEX spans_key ON spans(trace_id, span_id);
      CREATE INDEX spans_session ON spans(session_id, start_ms) WHERE session_id IS NOT NULL;
      CREATE INDEX spans_start ON spans(start_ms);
    `,
  },
  {
    version: 7,
    description: "spans keep the cost of the event they became",
    sql: `
      -- USD, as the ingest priced the span's event; null with no event, no price, or stored before.
      ALTER TABLE spans ADD COLUMN cost REAL;
    `,
  },
];
