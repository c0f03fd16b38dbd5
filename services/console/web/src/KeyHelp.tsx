import { useContext } from "preact/hooks";
import { ScreenKeysContext } from "./ScreenNav";

/** One shortcut: the key and what it does. */
export interface KeyBinding {
  key: string;
  does: string;
}

const showOrHide: KeyBinding = { key: "?", does: "Show or hide this list" };

function KeyList({ bindings }: { bindings: KeyBinding[] }) {
  return (
    <dl>
      {bindings.map(({ key, does }) => (
        <div key={key}>
          <dt>
            <kbd>{key}</kbd>
          </dt>
          <dd>{does}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The list the key "?" opens: the shortcuts of the screen in view, then those between screens. */
export function KeyHelp({ bindings, onClose }: { bindings: KeyBinding[]; onClose: () => void }) {
  const screenKeys = useContext(ScreenKeysContext);
  return (
    <section class="key-help" aria-labelledby="key-help-heading">
      <h2 id="key-help-heading">Keyboard shortcuts</h2>
      <KeyList bindings={[...bindings, showOrHide]} />
      {screenKeys.length > 0 && (
        <>
          <h3>Screens</h3>
          <KeyList bindings={screenKeys} />
        </>
      )}
      <button type="button" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
