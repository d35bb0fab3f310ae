import { cleanup } from "@solidjs/testing-library";
import { afterEach } from "vitest";
import { resetMocks } from "../../bindings/mock";

afterEach(() => {
  cleanup();
  resetMocks();
});

// Drafts persist in localStorage; every test starts without any.
afterEach(() => localStorage.clear());
