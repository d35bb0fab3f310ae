// jsdom does no layout: give the message list a viewport and rows a height
// so the virtualizer has something to measure.
export function stubLayout(viewport = 600, rowHeight = 100): () => void {
  const proto = HTMLElement.prototype;
  const saved = {
    clientHeight: Object.getOwnPropertyDescriptor(Element.prototype, "clientHeight"),
    scrollHeight: Object.getOwnPropertyDescriptor(Element.prototype, "scrollHeight"),
    offsetHeight: Object.getOwnPropertyDescriptor(proto, "offsetHeight"),
    scrollTo: Object.getOwnPropertyDescriptor(Element.prototype, "scrollTo"),
  };
  Object.defineProperty(Element.prototype, "clientHeight", {
    configurable: true,
    get(this: Element) {
      return this.classList.contains("message-scroll") || this.classList.contains("session-scroll") ? viewport : 0;
    },
  });
  Object.defineProperty(Element.prototype, "scrollHeight", {
    configurable: true,
    get(this: Element) {
      // The list's content is its canvas, sized by the virtualizer.
      const canvas = this.classList.contains("message-scroll") ? (this.firstElementChild as HTMLElement | null) : null;
      return canvas ? Math.max(parseFloat(canvas.style.height) || 0, viewport) : 0;
    },
  });
  Object.defineProperty(proto, "offsetHeight", {
    configurable: true,
    get(this: HTMLElement) {
      if (this.classList.contains("session")) return 52;
      return this.classList.contains("message-row") ? rowHeight : 0;
    },
  });
  Object.defineProperty(Element.prototype, "scrollTo", {
    configurable: true,
    value(this: Element, opts: ScrollToOptions) {
      if (typeof opts?.top === "number") {
        this.scrollTop = opts.top;
        this.dispatchEvent(new Event("scroll"));
      }
    },
  });
  return () => {
    for (const [name, d] of Object.entries(saved)) {
      const target = name === "offsetHeight" ? proto : Element.prototype;
      if (d) Object.defineProperty(target, name, d);
      else delete (target as unknown as Record<string, unknown>)[name];
    }
  };
}
