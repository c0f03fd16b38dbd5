import type { ComponentChild } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { AlertsScreen } from "./AlertsScreen";
import {
  createConsoleClients,
  currentSession,
  describeCallError,
  isCanceled,
  isUnauthenticated,
  type SessionPrincipal,
} from "./api";
import { ItemScreen } from "./ItemScreen";
import { useShortcuts } from "./keyboard";
import { LogScreen } from "./LogScreen";
import { noFilter, type QueueFilter } from "./QueueFilters";
import { QueueScreen } from "./QueueScreen";
import { ReportsScreen } from "./ReportsScreen";
import { ScreenKeysContext, ScreenNav, screenKeyBindings, screensFor, type ScreenName } from "./ScreenNav";
import { SignInScreen } from "./SignInScreen";
import { createThumbnailUrls } from "./thumbnails";

// No token or session id in them: the cookie carries the session, so one set of clients serves
// every session this page sees.
const clients = createConsoleClients();
// The queue's thumbnail URLs, each video's asked for once while the page lives.
const thumbnails = createThumbnailUrls(clients.probe);

type SessionState =
  | { kind: "resuming" }
  | { kind: "signed-out"; because: string }
  | { kind: "signed-in"; principal: SessionPrincipal };

/**
 * The console: on load it asks curationd whether the session cookie still names a live
 * session (so a reload keeps the curator signed in); then the sign-in screen until there is a
 * session, the queue while there is one.
 */
export function ConsoleApp() {
  const [session, setSession] = useState<SessionState>({ kind: "resuming" });

  useEffect(() => {
    const lifetime = new AbortController();
    currentSession(lifetime.signal).then(
      (principal) => setSession({ kind: "signed-in", principal }),
      (callError: unknown) => {
        if (isCanceled(callError)) {
          return;
        }
        // No session is the usual case on a first visit, not something to report.
        setSession({
          kind: "signed-out",
          because: isUnauthenticated(callError) ? "" : describeCallError(callError),
        });
      },
    );
    return () => lifetime.abort();
  }, []);

  // Stable across renders, so the queue's refresh timer is not restarted by one.
  const signedIn = useCallback(
    (principal: SessionPrincipal) => setSession({ kind: "signed-in", principal }),
    [],
  );
  const signedOut = useCallback(() => setSession({ kind: "signed-out", because: "" }), []);
  const sessionEnded = useCallback(
    (message: string) => setSession({ kind: "signed-out", because: message }),
    [],
  );

  switch (session.kind) {
    case "resuming":
      return (
        <main class="sign-in">
          <h1>Curation console</h1>
          <p role="status">Checking for a session&hellip;</p>
        </main>
      );
    case "signed-out":
      return <SignInScreen initialError={session.because} onSignedIn={signedIn} />;
    case "signed-in":
      return (
        <Workspace principal={session.principal} onSignedOut={signedOut} onSessionEnded={sessionEnded} />
      );
  }
}

interface WorkspaceProps {
  principal: SessionPrincipal;
  onSignedOut: () => void;
  onSessionEnded: (message: string) => void;
}

/**
 * The signed-in workspace: the navigation among the screens the principal may use (each with a
 * key), and the screen chosen. The queue's screen is the queue, or one of its items with the
 * queue's rows (as they were) to step through.
 */
function Workspace({ principal, onSignedOut, onSessionEnded }: WorkspaceProps) {
  const [screen, setScreen] = useState<ScreenName>("queue");
  const [open, setOpen] = useState<{ ids: bigint[]; index: number } | null>(null);
  const [lastSeen, setLastSeen] = useState<bigint | null>(null);
  const [queueFilter, setQueueFilter] = useState<QueueFilter>(noFilter);

  const screens = useMemo(() => screensFor(principal), [principal]);
  const screenKeys = useMemo(() => screenKeyBindings(screens), [screens]);
  const choose = useCallback((chosen: ScreenName) => {
    // Back on the queue, it is the queue again, not the item left behind.
    setOpen(null);
    setScreen(chosen);
  }, []);
  useShortcuts(Object.fromEntries(screens.map(({ name, key }) => [key, () => choose(name)])));

  const openItem = useCallback((ids: bigint[], index: number) => setOpen({ ids, index }), []);
  const back = useCallback(() => {
    setLastSeen(open === null ? null : (open.ids[open.index] ?? null));
    setOpen(null);
  }, [open]);
  const navigate = useCallback((step: 1 | -1) => {
    setOpen((current) =>
      current === null
        ? null
        : { ...current, index: Math.min(current.ids.length - 1, Math.max(0, current.index + step)) },
    );
  }, []);

  const session = useMemo(
    () => ({ principal, onSignedOut, onSessionEnded }),
    [principal, onSignedOut, onSessionEnded],
  );
  let shown: ComponentChild;
  if (screen === "log") {
    shown = <LogScreen client={clients.log} session={session} />;
  } else if (screen === "alerts") {
    shown = <AlertsScreen client={clients.alerts} session={session} />;
  } else if (screen === "reports") {
    shown = <ReportsScreen client={clients.reports} session={session} />;
  } else if (open === null) {
    shown = (
      <QueueScreen
        client={clients.review}
        thumbnails={thumbnails}
        session={session}
        onOpenItem={openItem}
        focusItemId={lastSeen}
        filter={queueFilter}
        onFilterChange={setQueueFilter}
      />
    );
  } else {
    const itemId = open.ids[open.index] as bigint;
    shown = (
      <ItemScreen
        key={itemId.toString()}
        client={clients.review}
        probe={clients.probe}
        log={clients.log}
        session={session}
        itemId={itemId}
        position={{ index: open.index, count: open.ids.length }}
        onNavigate={navigate}
        onBack={back}
      />
    );
  }
  return (
    <ScreenKeysContext.Provider value={screenKeys}>
      <ScreenNav screens={screens} current={screen} onChoose={choose} />
      {shown}
    </ScreenKeysContext.Provider>
  );
}
