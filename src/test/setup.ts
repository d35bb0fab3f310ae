import { cleanup } from "@solidjs/testing-library";
import { afterEach } from "vitest";
import { resetMocks } from "../../bindings/mock";

afterEach(() => {
  cleanup();
  resetMocks();
});
