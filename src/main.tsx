import { render } from "solid-js/web";
import { App } from "./App";
import { GatewaySignIn } from "./components/GatewaySignIn";
import { inAppWindow } from "./transport";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("#root is missing from index.html");
// In the app's window the backend is a function call away; in a browser
// (the page came from the gateway) it is over HTTP, behind the token.
render(() => (inAppWindow() ? <App /> : <GatewaySignIn>{() => <App />}</GatewaySignIn>), root);
