// Confirmation before a write: says what the action will do (and, for session actions, which events it
// will append), runs it, and shows its error with the message code. A native <dialog>: focus moves into
// it, Escape closes it, the page behind is inert.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox } from './common';

export interface ConfirmProps {
  title: string;
  /** What will happen, in the user's words: shown above the buttons. */
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
  /** Closed: after success (done true) or cancel (done false). */
  onClose: (done: boolean) => void;
}

export function Confirm({ title, children, confirmLabel, danger, onConfirm, onClose }: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      ref.current?.close();
      onClose(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onCancel={() => onClose(false)}>
      <h2 id="confirm-title">{title}</h2>
      <div class="confirm-body">{children}</div>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="button" onClick={() => onClose(false)} disabled={busy}>
          Cancel
        </button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={confirm} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** A button that opens a Confirm; the common case of "click, confirm, reload". */
export function ConfirmButton(props: Omit<ConfirmProps, 'onClose'> & { label: string; onDone?: () => void }) {
  const [open, setOpen] = useState(false);
  const { label, onDone, danger, ...rest } = props;
  return (
    <>
      <button type="button" class={danger ? 'danger' : undefined} onClick={() => setOpen(true)}>
        {label}
      </button>
      {open && (
        <Confirm
          {...rest}
          danger={danger}
          onClose={(done) => {
            setOpen(false);
            if (done) onDone?.();
          }}
        />
      )}
    </>
  );
}
