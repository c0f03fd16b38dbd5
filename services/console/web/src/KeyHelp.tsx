/** One shortcut: the key and what it does. */
export interface KeyBinding {
  key: string;
  does: string;
}

/** The list the key "?" opens: the shortcuts of the screen in view. */
export function KeyHelp({ bindings, onClose }: { bindings: KeyBinding[]; onClose: () => void }) {
  return (
    <section class="key-help" aria-labelledby="key-help-heading">
      <h2 id="key-help-heading">Keyboard shortcuts</h2>
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
      <button type="button" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
