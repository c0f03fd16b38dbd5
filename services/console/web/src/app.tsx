// The curator console's entry point: renders the app into index.html's #app.
import "./app.css";
import { render } from "preact";
import { ConsoleApp } from "./ConsoleApp";

const root = document.getElementById("app");
if (!root) {
  throw new Error("index.html has no #app element");
}
render(<ConsoleApp />, root);
