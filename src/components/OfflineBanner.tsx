/** Across the top of the window while the server does not answer: not a
 * dialog, nothing to dismiss; it goes away by itself when the server is back. */
export function OfflineBanner(props: { server: string }) {
  return (
    <div class="offline-banner" role="status" aria-live="polite" data-testid="offline-banner">
      Server unreachable — retrying… <span class="muted">({props.server})</span>
    </div>
  );
}
