/**
 * The structured logger the relay writes to: the slice of pino it uses, so the relay takes a pino logger from the
 * CLI without importing pino itself.
 */

/** Writes one structured line per call: fields first, then the message. */
export interface RelayLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that writes nothing. */
export const silentLogger: RelayLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Wraps a logger so that a recurring condition logs when it starts and when it clears, not on every occurrence. */
export function conditionLog(logger: RelayLogger, onMessage: string, offMessage: string): { on: (fields: object) => void; off: (fields: object) => void } {
  let active = false;
  return {
    on(fields) {
      if (!active) logger.warn(fields, onMessage);
      active = true;
    },
    off(fields) {
      if (active) logger.info(fields, offMessage);
      active = false;
    },
  };
}
