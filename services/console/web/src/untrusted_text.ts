// Titles, descriptions and channel names are on-chain text that anyone can write. The console
// shows them as text nodes only (never as HTML), and first makes them unable to disturb what
// surrounds them on screen.

// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): left open in
// a title they reorder the rest of the line, e.g. to make "gpj.exe" read "exe.jpg".
const bidiControls = /[\u202A-\u202E\u2066-\u2069]/g;
// Whitespace controls break a one-line cell; they become a plain space.
const whitespaceControls = /[\t\n\v\f\r\u0085]/g;
// The other C0 and C1 controls and DEL have no business in a title.
const otherControls = /[\u0000-\u001F\u007F-\u009F]/g;

/**
 * `text` with every bidi control and C0/C1 control replaced: whitespace ones by a space, the
 * others by U+FFFD, so a curator sees that something was there.
 */
export function neutralise(text: string): string {
  return text
    .replace(bidiControls, "\uFFFD")
    .replace(whitespaceControls, " ")
    .replace(otherControls, "\uFFFD");
}

/**
 * At most `maxCodePoints` code points of `text`, with an ellipsis when cut. Counted in code
 * points, not UTF-16 units, so a cut never splits a surrogate pair.
 */
export function clip(text: string, maxCodePoints: number): string {
  const codePoints = Array.from(text);
  if (codePoints.length <= maxCodePoints) {
    return text;
  }
  return `${codePoints.slice(0, maxCodePoints).join("")}\u2026`;
}
