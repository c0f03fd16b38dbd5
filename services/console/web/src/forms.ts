/** A form's submit handler that does `act` instead of the browser's navigation. */
export function submitted(act: () => void): (event: Event) => void {
  return (event) => {
    event.preventDefault();
    act();
  };
}
