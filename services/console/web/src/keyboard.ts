// The console's single-key shortcuts: a key counts only when no modifier is held and the person
// is not typing into a field.

/** Keys typed into a field are text, not shortcuts. */
export function isTypingInto(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable ||
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement)
  );
}

/** The shortcut `event` stands for, or "" when it is typing, a repeat or a chord. */
export function shortcutOf(event: KeyboardEvent): string {
  if (event.repeat || event.ctrlKey || event.metaKey || event.altKey || isTypingInto(event.target)) {
    return "";
  }
  return event.key;
}
