// What curationd checks of a justification or a note (services/review/review_service.cpp's
// CheckText), counted here as the curator types so the form can say what is missing before
// the server does. The server's check stays the one that counts.

/** review.min_justification_chars as shipped; a deployment may raise it. */
export const minJustificationChars = 20;
/** kMaxTextBytes: 4 KiB of UTF-8. */
export const maxTextBytes = 4096;

const whitespace = /\s/u;
// Format characters (zero-width joiners, bidi controls) and controls show nothing.
const invisible = /[\p{Cf}\p{Cc}]/u;

/**
 * The characters a reader sees: code points that are neither invisible nor controls, with a
 * run of whitespace between two of them counted once, and none at either end.
 */
export function visibleLength(text: string): number {
  let count = 0;
  let seenVisible = false;
  let spacePending = false;
  for (const character of text) {
    if (whitespace.test(character)) {
      spacePending = seenVisible;
      continue;
    }
    if (invisible.test(character)) {
      continue;
    }
    count += spacePending ? 2 : 1;
    spacePending = false;
    seenVisible = true;
  }
  return count;
}

export function utf8Bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
