/**
 * Bounds the connections a server holds. Past `max`, a new connection makes room by closing the
 * connection that has been idle longest (no request in flight), so thousands of idle or abandoned
 * sockets can neither exhaust the file descriptors nor lock out a client that has something to
 * ask; when every connection is busy, the new one is closed instead.
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

/** Live connection figures. */
export interface ConnectionGuard {
  /** Connections open now. */
  open(): number;
  /** Connections closed to make room since the start. */
  evicted(): number;
}

/** Installs the limit on `server` (before it listens). */
export function guardConnections(server: Server, max: number): ConnectionGuard {
  // Insertion order is age order: the first idle socket found is the longest idle... close enough:
  // a socket that served a request moves to the back when it goes idle again.
  const idle = new Set<Socket>();
  const busy = new Map<Socket, number>();
  let evicted = 0;
  const total = () => idle.size + busy.size;

  server.on("connection", (socket: Socket) => {
    if (total() >= max) {
      const oldest = idle.values().next();
      if (oldest.done) {
        evicted++;
        socket.destroy();
        return;
      }
      idle.delete(oldest.value);
      evicted++;
      oldest.value.destroy();
    }
    idle.add(socket);
    socket.once("close", () => {
      idle.delete(socket);
      busy.delete(socket);
    });
  });
  server.on("request", (req, res) => {
    const socket = req.socket;
    if (socket.destroyed) return;
    idle.delete(socket);
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const n = (busy.get(socket) ?? 1) - 1;
      if (n > 0) busy.set(socket, n);
      else {
        busy.delete(socket);
        if (!socket.destroyed) idle.add(socket);
      }
    });
  });
  return { open: total, evicted: () => evicted };
}
