import type { ReactNode } from 'react';

export function Loading({ label }: { label: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorMessage({ children }: { children: ReactNode }) {
  return (
    <p className="state state-error" role="alert">
      {children}
    </p>
  );
}
