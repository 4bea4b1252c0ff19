/** Mounting a uPlot chart that follows its container's width, shared by the dashboard's charts. */
import uPlot from "uplot";

/** The width a chart takes in `el`: the element's, at least 200 px. */
export function plotWidth(el: HTMLElement): number {
  return Math.max(200, el.clientWidth);
}

/** Draws `data` with `opts` in `el`, resized with it; `plot.current` holds the chart until the returned function takes it down. */
export function mountPlot(el: HTMLElement, opts: uPlot.Options, data: uPlot.AlignedData, height: number, plot: { current: uPlot | null }): () => void {
  const p = new uPlot(opts, data, el);
  plot.current = p;
  const ro = new ResizeObserver(() => p.setSize({ width: plotWidth(el), height }));
  ro.observe(el);
  return () => {
    ro.disconnect();
    p.destroy();
    plot.current = null;
  };
}
