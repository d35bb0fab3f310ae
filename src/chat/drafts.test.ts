import { createRoot, createEffect } from "solid-js";
import { describe, expect, it } from "vitest";
import { asSessionId } from "../test/ids";
import { createDrafts } from "./drafts";

const A = asSessionId("sess_A");
const B = asSessionId("sess_B");

describe("drafts", () => {
  it("keeps one draft per chat in localStorage, and a new window reads them back", () => {
    const drafts = createDrafts();
    drafts.set(A, "for A");
    drafts.set(B, "for B");
    expect(localStorage.getItem("clawdesk.draft.sess_A")).toBe("for A");
    const later = createDrafts();
    expect(later.text(A)).toBe("for A");
    expect(later.text(B)).toBe("for B");
    expect(later.text(asSessionId("sess_none"))).toBe("");
  });

  it("clears a sent draft only if it is still the text that was sent", () => {
    const drafts = createDrafts();
    drafts.set(A, "hello");
    drafts.clear(A, "hell");
    expect(drafts.text(A)).toBe("hello");
    drafts.clear(A, "hello");
    expect(drafts.text(A)).toBe("");
    expect(localStorage.getItem("clawdesk.draft.sess_A")).toBeNull();
  });

  it("is reactive", () => {
    const seen: string[] = [];
    const drafts = createDrafts();
    const dispose = createRoot((dispose) => {
      createEffect(() => seen.push(drafts.text(A)));
      return dispose;
    });
    drafts.set(A, "a");
    drafts.set(A, "ab");
    dispose();
    expect(seen).toEqual(["", "a", "ab"]);
  });

  it("still keeps drafts in the window when storage refuses them", () => {
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException("quota exceeded", "QuotaExceededError");
      },
      removeItem: () => {},
    } as unknown as Storage;
    const drafts = createDrafts(full);
    drafts.set(A, "kept anyway");
    expect(drafts.text(A)).toBe("kept anyway");
  });
});
