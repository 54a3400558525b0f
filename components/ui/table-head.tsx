import type { ReactNode } from "react";

/** A table's header row: one <th> per heading, in order (null: an empty one, e.g. over a column of buttons). */
export function TableHead({ headings }: { headings: readonly ReactNode[] }) {
  return (
    <thead>
      <tr>
        {headings.map((h, i) => (
          <th key={i}>{h}</th>
        ))}
      </tr>
    </thead>
  );
}
