/** Live data: `usePoll` fetches now, then again every few seconds while the tab is visible, keeping the last good answer when a refresh fails. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/** How often pages refresh, in milliseconds (5 s: live, yet a handful of cheap rollup queries per refresh). */
export const POLL_MS = 5000;

/** What a polled fetch gives a page. */
export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Time of the last successful answer (epoch ms). */
  updatedAt: number | undefined;
  /** Fetches again now (after an action). */
  refresh: () => void;
}

/** Fetches with `load` whenever `deps` change and every `intervalMs` (0: once) while the page is visible. */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs = POLL_MS): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean; updatedAt?: number }>({ loading: true });
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = ++seq.current;
    loadRef.current().then(
      (data) => {
        if (mine === seq.current) setState({ data, loading: false, updatedAt: Date.now() });
      },
      (error: unknown) => {
        if (mine === seq.current) setState((s) => ({ ...s, error: error instanceof Error ? error : new Error(String(error)), loading: false }));
      },
    );
  }, []);

  useEffect(() => {
    setState((s) => ({ ...s, data: undefined, error: undefined, loading: true }));
    run();
    if (!intervalMs) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") run();
    }, intervalMs);
    const onVisible = () => {
      if (document.visibilityState === "visible") run();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
      seq.current++;
    };
  }, deps);

  return { data: state.data, error: state.error, loading: state.loading, updatedAt: state.updatedAt, refresh: run };
}
