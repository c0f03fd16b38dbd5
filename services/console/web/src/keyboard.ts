// The console's single-key shortcuts: a key counts only when no modifier is held and the person
// is not typing into a field.
import { useLayoutEffect, useRef } from "preact/hooks";

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

/**
 * Moves the focus `step` along `elements` (a table's rows, for the keys j and k) from the one
 * that has it, or to the first when none has; it stops at either end.
 */
export function moveFocus(elements: HTMLElement[], step: 1 | -1): void {
  const current = elements.findIndex((element) => element === document.activeElement);
  const next = current === -1 ? 0 : Math.min(elements.length - 1, Math.max(0, current + step));
  elements[next]?.focus();
}

/**
 * Runs `actions[key]` for each shortcut pressed while the calling component is on screen. The
 * listener is attached as the component is drawn, not after the browser has painted it
 * (useEffect): a key pressed as soon as the screen shows would otherwise be lost. The latest
 * `actions` are used without re-attaching it.
 */
export function useShortcuts(actions: Record<string, () => void>): void {
  const latest = useRef(actions);
  latest.current = actions;
  useLayoutEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const key = shortcutOf(event);
      if (key !== "" && Object.hasOwn(latest.current, key)) {
        event.preventDefault();
        latest.current[key]?.();
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);
}
