/** The states a panel can be in besides "has data": loading, failed, and empty (with how to send data). */
import type { ComponentChildren } from "preact";
import { ApiError } from "../api.js";

/** A failed request, said plainly, with a retry button; `stale` when older data is still shown. */
export function ErrorBox({ error, retry, stale }: { error: Error; retry?: () => void; stale?: boolean }) {
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div class="error" role="alert" data-testid="error">
      <strong>{stale ? "Could not refresh: " : "Could not load: "}</strong>
      {error.message}
      {code && code !== "NETWORK" ? <span class="muted"> ({code})</span> : null}
      {stale ? <span class="muted"> The figures below are from the last successful refresh.</span> : null}
      {retry ? (
        <button type="button" class="link" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** A placeholder while the first answer is on its way. */
export function Loading({ what = "data" }: { what?: string }) {
  return (
    <p class="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** Where a newcomer starts when there is nothing to show yet. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  const origin = window.location.origin;
  return (
    <div class="empty" data-testid="empty">
      <h2>{title}</h2>
      {children ?? (
        <>
          <p>Vigil shows what your agents and models send it. To see everything move within a minute, send synthetic traffic:</p>
          <pre>
            <code>npx vigil demo --target {origin}</code>
          </pre>
          <p>
            Or send your own events with the SDK (<code>@vigil/sdk</code>) or <code>POST /api/v1/ingest</code>; see the README.
          </p>
        </>
      )}
    </div>
  );
}

/** Renders a polled panel: error banner (keeping stale data), loading, empty, or the content. */
export function Panel<T>({ polled, what, isEmpty, empty, children }: { polled: { data: T | undefined; error: Error | undefined; loading: boolean; refresh: () => void }; what: string; isEmpty?: (d: T) => boolean; empty?: ComponentChildren; children: (d: T) => ComponentChildren }) {
  const { data, error, loading, refresh } = polled;
  return (
    <>
      {error ? <ErrorBox error={error} retry={refresh} stale={data !== undefined} /> : null}
      {data === undefined ? (loading ? <Loading what={what} /> : null) : isEmpty?.(data) ? (empty ?? <Empty title={`No ${what} yet`} />) : children(data)}
    </>
  );
}
