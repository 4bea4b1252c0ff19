/** Ids the server gives events that arrive without one. */
import { randomBytes } from "node:crypto";

/** Time-ordered unique ids for events that arrive without one. */
export function idGenerator(): () => string {
  const suffix = randomBytes(4).toString("hex");
  let last = 0;
  let head = "";
  let counter = 0;
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      head = "evt_" + now.toString(36);
      counter = 0;
    }
    const c = (counter++).toString(36);
    // Fixed-width counter keeps ids of one millisecond in order.
    return head + (c.length < 4 ? "000".slice(c.length - 1) + c : c) + suffix;
  };
}
