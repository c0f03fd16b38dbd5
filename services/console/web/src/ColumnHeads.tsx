import type { ComponentChildren } from "preact";

/** A table's head: one column header a name, in order. */
export function ColumnHeads({ names }: { names: ComponentChildren[] }) {
  return (
    <thead>
      <tr>
        {names.map((name, index) => (
          <th key={index} scope="col">
            {name}
          </th>
        ))}
      </tr>
    </thead>
  );
}
