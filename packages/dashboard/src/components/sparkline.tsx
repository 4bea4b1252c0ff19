/** A tiny line of a metric over the window (SVG, decorative: the figure beside it carries the meaning). */

/** Draws `points` ([epoch_ms, value|null]) as a polyline; gaps (null) break the line. */
export function Sparkline({ points, width = 120, height = 28 }: { points: [number, number | null][]; width?: number; height?: number }) {
  const vals = points.map((p) => p[1]).filter((v): v is number => v !== null);
  if (vals.length < 2) return <svg class="spark" width={width} height={height} aria-hidden="true" />;
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const n = points.length;
  const x = (i: number) => (n === 1 ? width / 2 : (i / (n - 1)) * (width - 2) + 1);
  const y = (v: number) => height - 2 - ((v - lo) / (hi - lo)) * (height - 4);
  let d = "";
  let pen = false;
  points.forEach(([, v], i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      <path d={d} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
