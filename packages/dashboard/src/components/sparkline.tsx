/** A tiny line of a metric over the window (SVG, decorative: the figure beside it carries the meaning). */

/** A point of a series: [epoch_ms, value|null]. */
export type Point = [number, number | null];

const W = 100;
const H = 28;

/** The path of `points[from..to)` on a `W`×`H` box (x by index from `first`, y by `lo..hi`); gaps (null) lift the pen. */
function path(points: Point[], from: number, to: number, x: (i: number) => number, y: (v: number) => number): string {
  let d = "";
  let pen = false;
  for (let i = from; i < to; i++) {
    const v = points[i]![1];
    if (v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${x(i).toFixed(2)},${y(v).toFixed(2)}`;
    pen = true;
  }
  return d;
}

/**
 * Draws `points` as a line across the whole width of its box, from the first step with data to the
 * end of the window (steps before the first data are left out, so a series that began a few minutes
 * ago is not squeezed against the right edge). Steps at or after `partialFrom` are still filling:
 * their segment is dashed and faded rather than drawn as a fall. Nothing is drawn below two values.
 */
export function Sparkline({ points, partialFrom = null }: { points: Point[]; partialFrom?: number | null }) {
  const first = points.findIndex((p) => p[1] !== null);
  const vals = points.map((p) => p[1]).filter((v): v is number => v !== null);
  if (first < 0 || vals.length < 2) return null;
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const n = points.length - first;
  const x = (i: number) => ((i - first) / Math.max(1, n - 1)) * (W - 2) + 1;
  const y = (v: number) => H - 2 - ((v - lo) / (hi - lo)) * (H - 4);
  // The first partial step, and the last complete step with a value before it (the dashed part starts there).
  let cut = partialFrom === null ? points.length : points.findIndex((p) => p[0] >= partialFrom);
  if (cut < 0) cut = points.length;
  let joint = cut - 1;
  while (joint >= first && points[joint]![1] === null) joint--;
  const solid = path(points, first, cut, x, y);
  const partial = points.slice(cut).some((p) => p[1] !== null) ? path(points, Math.max(joint, first), points.length, x, y) : "";
  return (
    <svg class="spark" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-hidden="true" data-partial={partial ? "true" : undefined}>
      <path d={solid} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke" />
      {partial ? <path class="spark-partial" d={partial} fill="none" stroke="currentColor" stroke-width="1.5" stroke-dasharray="3 3" opacity="0.5" vector-effect="non-scaling-stroke" /> : null}
    </svg>
  );
}
