/**
 * The writer thread of the embedded store. It owns the only writing connection; appends that
 * arrive in the same turn share one transaction (group commit) and every request is answered
 * only after its transaction has committed.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { configure, createWriter, type AppendRows, type SaveRows } from "./writer.js";
import { createAlertWriter, type AlertWrite } from "./sqlite-alert-writer.js";
import { createRouteWriter, type RouteWrite } from "./sqlite-route-writer.js";
import { createSpanWriter } from "./sqlite-span-writer.js";
import type { SpanColumns } from "../span-rows.js";

/** A request to the writer. */
export type WriterRequest =
  | ({ op: "append"; id: number } & AppendRows)
  | ({ op: "save"; id: number } & SaveRows)
  | { op: "deleteEvents"; id: number; before: number; limit: number }
  | { op: "deleteRollups"; id: number; tier: string; before: number }
  | { op: "price"; id: number; entry: string; at: number }
  | { op: "alerts"; id: number; write: AlertWrite }
  | { op: "routes"; id: number; write: RouteWrite }
  | { op: "spans"; id: number; spans: SpanColumns }
  | { op: "deleteSpans"; id: number; before: number; limit: number }
  | { op: "probe"; id: number }
  | { op: "close"; id: number };

/** The writer's answer (appends of one group arrive together as an array). */
export type WriterReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string };

const { file, synchronous } = workerData as { file: string; synchronous: "full" | "normal" };
const db = new Database(file);
configure(db, synchronous);
const writer = createWriter(db);
const alertWriter = createAlertWriter(db);
const routeWriter = createRouteWriter(db);
const spanWriter = createSpanWriter(db);
const port = parentPort!;
let appends: ({ op: "append"; id: number } & AppendRows)[] = [];
// Span appends of the same turn share the event appends' transaction (an export's events and spans commit together).
let spanAppends: { op: "spans"; id: number; spans: SpanColumns }[] = [];
let scheduled = false;

function reply(r: WriterReply): void {
  port.postMessage(r);
}

function commitAppends(): void {
  scheduled = false;
  const group = appends;
  const spanGroup = spanAppends;
  appends = [];
  spanAppends = [];
  // All answers of a group travel in one message, so the serving thread folds the whole group in
  // one turn: no timer can persist a watermark that covers events not yet folded.
  let replies: WriterReply[];
  try {
    replies = commitGroup(group, spanGroup);
  } catch (err) {
    replies = [...group, ...spanGroup].map((g) => ({ id: g.id, ok: false, message: (err as Error).message }));
  }
  port.postMessage(replies);
}

const commitGroup = db.transaction((group: typeof appends, spanGroup: typeof spanAppends): WriterReply[] => {
  const replies: WriterReply[] = [];
  if (group.length) {
    const { fresh, maxSeq } = writer.appendGroups(group);
    group.forEach((g, i) => replies.push({ id: g.id, ok: true, result: { fresh: fresh[i], maxSeq } }));
  }
  for (const g of spanGroup) replies.push({ id: g.id, ok: true, result: spanWriter.append(g.spans) });
  return replies;
});

port.on("message", (m: WriterRequest) => {
  if (m.op === "append" || m.op === "spans") {
    if (m.op === "append") appends.push(m);
    else spanAppends.push(m);
    if (!scheduled) {
      scheduled = true;
      setImmediate(commitAppends);
    }
    return;
  }
  // Other writes keep their order relative to appends already queued.
  if (appends.length || spanAppends.length) commitAppends();
  try {
    let result: unknown = null;
    if (m.op === "save") writer.saveRollups(m);
    else if (m.op === "deleteEvents") result = writer.deleteEventsBefore(m.before, m.limit);
    else if (m.op === "deleteRollups") result = writer.deleteRollupsBefore(m.tier, m.before);
    else if (m.op === "price") writer.addPrice(m.entry, m.at);
    else if (m.op === "alerts") result = alertWriter(m.write) ?? null;
    else if (m.op === "routes") result = routeWriter(m.write) ?? null;
    else if (m.op === "deleteSpans") result = spanWriter.deleteBefore(m.before, m.limit);
    else if (m.op === "probe") writer.probe();
    else if (m.op === "close") {
      db.close();
      reply({ id: m.id, ok: true, result: null });
      port.close();
      return;
    }
    reply({ id: m.id, ok: true, result });
  } catch (err) {
    reply({ id: m.id, ok: false, message: (err as Error).message });
  }
});
