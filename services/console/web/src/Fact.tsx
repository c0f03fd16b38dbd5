import type { ComponentChildren } from "preact";

/** One fact of a record: its name and value, in the `dl class="facts"` grid; `wide` spans a row. */
export function Fact({ label, wide, children }: { label: string; wide?: boolean; children: ComponentChildren }) {
  return (
    <div class={wide ? "wide" : undefined}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
