import { useState } from "preact/hooks";
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

// Even expanded, a description is shown up to this many code points (the chain allows far more).
const maxExpandedCodePoints = 20_000;

/**
 * A long piece of on-chain text (a description): neutralised like UntrustedText, clipped to
 * `maxCodePoints` with a button that shows the rest (up to maxExpandedCodePoints) and hides it
 * again.
 */
export function UntrustedLongText({ text, maxCodePoints, placeholder }: UntrustedTextProps) {
  const [expanded, setExpanded] = useState(false);
  if (text === "") {
    return <p class="placeholder">{placeholder}</p>;
  }
  const safe = neutralise(text);
  const clipped = clip(safe, maxCodePoints);
  return (
    <p class="long-text">
      <bdi class="untrusted">{expanded ? clip(safe, maxExpandedCodePoints) : clipped}</bdi>
      {clipped !== safe && (
        <>
          {" "}
          <button type="button" class="link" aria-expanded={expanded} onClick={() => setExpanded((shown) => !shown)}>
            {expanded ? "Show less" : "Show all"}
          </button>
        </>
      )}
    </p>
  );
}

/** " by NAME" after a state or an action, the name as inert text; nothing when there is none. */
export function ByName({ name }: { name: string }) {
  return name === "" ? null : (
    <>
      {" by "}
      <UntrustedText text={name} maxCodePoints={40} placeholder="" />
    </>
  );
}
