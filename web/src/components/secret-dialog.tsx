import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A secret the API shows once (a webhook's signing secret, a new API key), with a copy button.
 * It lives in this dialog's props only: closing it, or leaving the page, drops it for good.
 */
export function SecretDialog({
  title,
  secret,
  onClose,
  children,
}: {
  title: string;
  secret: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closeButton.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="secret-title">
        <h2 id="secret-title">{title}</h2>
        <p>{children}</p>
        <div class="secret">
          <code data-testid="secret">{secret}</code>
          <button type="button" class="small" onClick={() => void copy()}>
            Copy
          </button>
          {copied === 'yes' ? <span class="status-ok small">copied</span> : null}
          {copied === 'failed' ? (
            <span class="muted small">the browser refused: select the text and copy it</span>
          ) : null}
        </div>
        <button type="button" class="primary" ref={closeButton} onClick={onClose}>
          I have saved it
        </button>
      </div>
    </div>
  );
}
