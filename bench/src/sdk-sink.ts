/**
 * Child-process entry of the SDK bench: a local HTTP sink that reads each batch and answers like a
 * server that stored it. It runs apart from the bench process so that its own work (reading and
 * answering) is not counted as the SDK's time on the caller's thread.
 */
import { createServer } from "node:http";

let bytes = 0;
const server = createServer((req, res) => {
  req.on("data", (c: Buffer) => (bytes += c.length));
  req.on("end", () => {
    res.writeHead(207, { "content-type": "application/json" });
    res.end('{"successes":[],"errors":[]}');
  });
});
server.listen(0, "127.0.0.1", () => process.send!({ kind: "ready", port: (server.address() as { port: number }).port }));
process.on("message", (m: { cmd: "stop" }) => {
  if (m.cmd === "stop") server.close(() => {
    process.send!({ kind: "stopped", bytes });
    process.exit(0);
  });
});
