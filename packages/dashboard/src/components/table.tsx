/** A table whose column headers sort it (click or Enter/Space on the header's button); `aria-sort` tells screen readers the order. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

/** A column: how to read the sort value of a row and how to show it. */
export interface Column<R> {
  key: string;
  label: string;
  value: (r: R) => number | string | null;
  render?: (r: R) => ComponentChildren;
  numeric?: boolean;
  /** A class for the column's cells (besides `num` for numeric ones). */
  cellClass?: string;
}

/** The table; rows sort by `initial` (descending for numbers) until a header is chosen. */
export function SortableTable<R>({ rows, columns, rowKey, initial, caption }: { rows: R[]; columns: Column<R>[]; rowKey: (r: R) => string; initial?: string; caption: string }) {
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: initial ?? columns[0]!.key, desc: !!columns.find((c) => c.key === initial)?.numeric });
  const col = columns.find((c) => c.key === sort.key) ?? columns[0]!;
  const sorted = [...rows].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    if (x === y) return 0;
    if (x === null) return 1; // no data sorts last either way
    if (y === null) return -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return sort.desc ? -c : c;
  });
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" class={c.numeric ? "num" : undefined} aria-sort={c.key === sort.key ? (sort.desc ? "descending" : "ascending") : "none"}>
                <button type="button" class="sort" onClick={() => setSort({ key: c.key, desc: c.key === sort.key ? !sort.desc : !!c.numeric })}>
                  {c.label}
                  <span aria-hidden="true">{c.key === sort.key ? (sort.desc ? " ▾" : " ▴") : ""}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={rowKey(r)} data-key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.key} class={[c.numeric ? "num" : "", c.cellClass ?? ""].join(" ").trim() || undefined}>
                  {c.render ? c.render(r) : (c.value(r) ?? "—")}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
