import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { Markdown } from "../components/Markdown";
import { openableUrl } from "./links";

describe("openableUrl", () => {
  it("allows http, https and mailto only", () => {
    expect(openableUrl("https://example.com/a?b=c#d")).toBe("https://example.com/a?b=c#d");
    expect(openableUrl("http://example.com")).toBe("http://example.com/");
    expect(openableUrl("mailto:someone@example.com")).toBe("mailto:someone@example.com");
    expect(openableUrl("  HTTPS://Example.com  ")).toBe("https://example.com/");
    for (const refused of ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "tauri://localhost", "ftp://x", "/relative", "#anchor", "", null, undefined]) {
      expect(openableUrl(refused)).toBeNull();
    }
  });
});

const reply = [
  "See [the docs](https://example.com/docs), [mail](mailto:a@example.com) and [a file](file:///etc/passwd).",
  "",
  "[page](/settings)",
].join("\n");

describe("links in a reply", () => {
  it("never navigate: a click shows where the link goes, Open opens it", async () => {
    const openLink = vi.fn(async () => {});
    const { container } = render(() => <Markdown text={reply} openLink={openLink} />);
    const docs = container.querySelector<HTMLAnchorElement>('a[href="https://example.com/docs"]')!;
    // fireEvent returns false when the default (navigation) was prevented.
    expect(fireEvent.click(docs)).toBe(false);
    expect(openLink).not.toHaveBeenCalled();
    const dialog = await screen.findByRole("dialog", { name: "Open link" });
    expect(screen.getByTestId("link-target").textContent).toBe("https://example.com/docs");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("link-open")));
    fireEvent.click(screen.getByTestId("link-open"));
    await waitFor(() => expect(openLink).toHaveBeenCalledWith("https://example.com/docs"));
    await waitFor(() => expect(dialog.isConnected).toBe(false));
  });

  it("opens mailto links the same way", async () => {
    const openLink = vi.fn(async () => {});
    const { container } = render(() => <Markdown text={reply} openLink={openLink} />);
    expect(fireEvent.click(container.querySelector('a[href^="mailto:"]')!)).toBe(false);
    fireEvent.click(await screen.findByTestId("link-open"));
    await waitFor(() => expect(openLink).toHaveBeenCalledWith("mailto:a@example.com"));
  });

  it("refuses other schemes and relative links, and says so", async () => {
    const openLink = vi.fn(async () => {});
    const { container } = render(() => <Markdown text={reply} openLink={openLink} />);
    for (const href of ["file:///etc/passwd", "/settings"]) {
      const link = container.querySelector(`a[href="${href}"]`);
      // DOMPurify may drop a dangerous href altogether; then there is nothing to click.
      if (!link) continue;
      expect(fireEvent.click(link)).toBe(false);
      expect((await screen.findByTestId("link-refused")).textContent).toContain(href);
      expect(screen.queryByTestId("link-open")).toBeNull();
      fireEvent.click(screen.getByTestId("link-cancel"));
      await waitFor(() => expect(screen.queryByTestId("link-popover")).toBeNull());
    }
    expect(container.querySelector('a[href="/settings"]')).not.toBeNull();
    expect(openLink).not.toHaveBeenCalled();
  });

  it("closes on Escape without opening, and shows an error when opening fails", async () => {
    const openLink = vi.fn(async () => {
      throw new Error("no browser");
    });
    const { container } = render(() => <Markdown text={reply} openLink={openLink} />);
    const docs = container.querySelector('a[href="https://example.com/docs"]')!;
    fireEvent.click(docs);
    await screen.findByTestId("link-popover");
    const esc = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    window.dispatchEvent(esc);
    expect(esc.defaultPrevented).toBe(true);
    await waitFor(() => expect(screen.queryByTestId("link-popover")).toBeNull());
    expect(openLink).not.toHaveBeenCalled();

    fireEvent.click(docs);
    fireEvent.click(await screen.findByTestId("link-open"));
    expect((await screen.findByText(/Could not open the link/)).textContent).toContain("no browser");
  });
});
