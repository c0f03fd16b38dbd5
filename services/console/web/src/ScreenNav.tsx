import { createContext } from "preact";
import { mayReadReports, type SessionPrincipal } from "./api";
import type { KeyBinding } from "./KeyHelp";

export type ScreenName = "queue" | "log" | "alerts" | "reports";

interface ScreenChoice {
  name: ScreenName;
  label: string;
  /** Upper case, so no screen's own lower-case keys (j, k, a, w, x, e, c) are taken. */
  key: string;
}

const allScreens: ScreenChoice[] = [
  { name: "queue", label: "Queue", key: "Q" },
  { name: "log", label: "Log", key: "L" },
  { name: "alerts", label: "Alerts", key: "A" },
  { name: "reports", label: "Reports", key: "R" },
];

/**
 * The screens `principal` may use. Every role reads the queue, the log and the alerts (each
 * screen then offers only the actions the role may take); the report is the council's, the
 * lead's and a service's (ReportService's kReaders). curationd refuses the rest anyway.
 */
export function screensFor(principal: SessionPrincipal): ScreenChoice[] {
  return allScreens.filter((screen) => screen.name !== "reports" || mayReadReports(principal));
}

/** The keys that switch screens, for every screen's "?" list. */
export const ScreenKeysContext = createContext<KeyBinding[]>([]);

export function screenKeyBindings(screens: ScreenChoice[]): KeyBinding[] {
  return screens.map(({ label, key }) => ({ key, does: `Go to ${label}` }));
}

interface ScreenNavProps {
  screens: ScreenChoice[];
  current: ScreenName;
  onChoose: (screen: ScreenName) => void;
}

/** The workspace's top navigation: one button a screen, the current one marked for screen readers. */
export function ScreenNav({ screens, current, onChoose }: ScreenNavProps) {
  return (
    <nav class="screen-nav" aria-label="Screens">
      <ul>
        {screens.map(({ name, label, key }) => (
          <li key={name}>
            <button
              type="button"
              aria-current={name === current ? "page" : undefined}
              aria-keyshortcuts={`Shift+${key}`}
              onClick={() => onChoose(name)}
            >
              {label} <kbd>{key}</kbd>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
