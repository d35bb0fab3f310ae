import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { SearchResults } from "../../bindings/bindings";
import { asMessageId, asSessionId } from "../test/ids";
import { SearchPalette, segments } from "./SearchPalette";

afterEach(cleanup);

const A = asSessionId("sess_01PALETTEA");
const B = asSessionId("sess_01PALETTEB");
const results: SearchResults = {
  truncated: false,
  groups: [
    {
      sessionId: A,
      title: "Trip planning",
      hits: [
        {
          messageId: asMessageId("msg_1"),
          role: "user",
          createdAt: "2026-11-01T10:00:00.000Z",
          // The emoji is two UTF-16 units: offsets 3..7 are "café".
          snippet: "😀 café <b>not html</b>",
          matches: [{ start: 3, end: 7 }],
        },
      ],
    },
    {
      sessionId: B,
      title: null,
      hits: [
        {
          messageId: asMessageId("msg_2"),
          role: "assistant",
          createdAt: "2026-11-02T10:00:00.000Z",
          snippet: "another cafe",
          matches: [{ start: 8, end: 12 }],
          otherBranch: true,
        },
      ],
    },
  ],
};

describe("segments", () => {
  it("cuts by UTF-16 offsets, as slice does", () => {
    expect(segments("😀 café!", [{ start: 3, end: 7 }])).toEqual([
      { text: "😀 ", match: false },
      { text: "café", match: true },
      { text: "!", match: false },
    ]);
  });
  it("clamps ranges past the end", () => {
    expect(segments("abc", [{ start: 2, end: 99 }])).toEqual([
      { text: "ab", match: false },
      { text: "c", match: true },
    ]);
  });
});

describe("SearchPalette", () => {
  it("searches after typing, highlights with text nodes, moves with the arrows, opens with Enter", async () => {
    const queries: string[] = [];
    const chosen: string[] = [];
    let closed = 0;
    render(() => (
      <SearchPalette
        open={true}
        onClose={() => closed++}
        onChoose={(s, m, otherBranch) => chosen.push(`${s} ${m}${otherBranch ? " (other version)" : ""}`)}
        search={async (q) => (queries.push(q), results)}
      />
    ));
    const input = screen.getByTestId("search-input") as HTMLInputElement;
    fireEvent.input(input, { target: { value: "ca" } });
    fireEvent.input(input, { target: { value: "cafe" } });
    await waitFor(() => expect(screen.getAllByTestId("search-hit")).toHaveLength(2));
    expect(queries).toEqual(["cafe"]); // debounced: one search
    const first = screen.getAllByTestId("search-hit")[0]!;
    expect(first.querySelector("mark")?.textContent).toBe("café");
    // The snippet's "<b>" is text, not markup.
    expect(first.querySelector("b")).toBeNull();
    expect(first.textContent).toContain("<b>not html</b>");
    expect(screen.getByText("Untitled chat")).toBeTruthy();

    fireEvent.keyDown(input, { key: "ArrowDown" });
    fireEvent.keyDown(input, { key: "Enter" });
    // A hit in another version of its chat says so, and is opened as such.
    expect(screen.getAllByTestId("search-hit")[1]!.querySelector('[data-testid="search-hit-branch"]')).toBeTruthy();
    expect(first.querySelector('[data-testid="search-hit-branch"]')).toBeNull();
    expect(chosen).toEqual([`${B} msg_2 (other version)`]);
    fireEvent.keyDown(input, { key: "ArrowDown" });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(chosen).toEqual([`${B} msg_2 (other version)`, `${A} msg_1`]);
    fireEvent.keyDown(input, { key: "Escape" });
    expect(closed).toBe(1);
  });

  it("shows why a query was refused", async () => {
    render(() => (
      <SearchPalette
        open={true}
        onClose={() => {}}
        onChoose={() => {}}
        search={async () => {
          throw new Error("invalid query: a quote is not closed");
        }}
      />
    ));
    fireEvent.input(screen.getByTestId("search-input"), { target: { value: '"open' } });
    await waitFor(() => expect(screen.getByTestId("search-error").textContent).toContain("quote"));
  });
});
