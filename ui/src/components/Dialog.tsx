import { useEffect, useRef, type ReactNode } from "react";
import { useI18n } from "../i18n";

/** A modal dialog: focus moves in, Escape closes, focus returns to where it was. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>("input, select, textarea, button:not(.dialog-close)");
    (first ?? ref.current)?.focus();
    return () => previous?.focus?.();
  }, []);
  return (
    <div className="backdrop" onMouseDown={e => { if (e.target === e.currentTarget) onClose(); }}>
      <div
        className="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" tabIndex={-1} ref={ref}
        onKeyDown={e => { if (e.key === "Escape") { e.stopPropagation(); onClose(); } }}
      >
        <div className="dialog-head">
          <h2 id="dialog-title">{title}</h2>
          <button type="button" className="dialog-close link" onClick={onClose} aria-label={t("common.close")}>✕</button>
        </div>
        {children}
      </div>
    </div>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof Error ? error.message : String(error);
  return <p className="error" role="alert">{text}</p>;
}
