import { afterEach, describe, expect, it, vi } from "vitest";

const openUrl = vi.fn(async (_url: string) => {});
vi.mock("@tauri-apps/plugin-opener", () => ({ openUrl: (url: string) => openUrl(url) }));

const transport = { transport: "ipc" as "ipc" | "http" };
vi.mock("../transport", () => ({
  get transport() {
    return transport.transport;
  },
}));

const { openExternal } = await import("./links");

afterEach(() => {
  openUrl.mockClear();
  transport.transport = "ipc";
  vi.restoreAllMocks();
});

describe("openExternal", () => {
  it("in the app's window, asks the opener plugin (the system's browser)", async () => {
    await openExternal("https://example.com/x");
    expect(openUrl).toHaveBeenCalledWith("https://example.com/x");
  });

  it("in a browser tab (the gateway), opens a new tab without an opener", async () => {
    transport.transport = "http";
    const open = vi.spyOn(window, "open").mockReturnValue(null);
    await openExternal("mailto:a@example.com");
    expect(open).toHaveBeenCalledWith("mailto:a@example.com", "_blank", "noopener,noreferrer");
    expect(openUrl).not.toHaveBeenCalled();
  });

  it("refuses anything but http, https and mailto, whatever the caller", async () => {
    await expect(openExternal("javascript:alert(1)")).rejects.toThrow(/not opened/);
    await expect(openExternal("file:///etc/passwd")).rejects.toThrow(/not opened/);
    expect(openUrl).not.toHaveBeenCalled();
  });
});
