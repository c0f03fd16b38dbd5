import { clip, neutralise } from "./untrusted_text";

// A tooltip shows more than a cell, but still a bounded amount of a stranger's text.
const maxTooltipCodePoints = 500;

interface UntrustedTextProps {
  text: string;
  /** Longer text is cut to this many code points; the tooltip holds more of it. */
  maxCodePoints: number;
  /** Shown, in its own style, when `text` is empty. */
  placeholder: string;
}

/**
 * On-chain text, neutralised and clipped, rendered as a text node (Preact escapes it; this
 * component must never use dangerouslySetInnerHTML). The <bdi> isolates it, so a right-to-left
 * title is shown as written without reordering the cells around it.
 */
export function UntrustedText({ text, maxCodePoints, placeholder }: UntrustedTextProps) {
  if (text === "") {
    return <span class="placeholder">{placeholder}</span>;
  }
  const safe = neutralise(text);
  const shown = clip(safe, maxCodePoints);
  return (
    <bdi class="untrusted" title={shown === safe ? undefined : clip(safe, maxTooltipCodePoints)}>
      {shown}
    </bdi>
  );
}
