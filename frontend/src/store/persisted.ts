import type { KeyValueStorage } from './storage';

/** What the workspace keeps across reloads, each under its own key of `localStorage`. */
export const CODE_KEY = 'code-remote.code';
export const SNIPPET_KEY = 'code-remote.snippet';
export const TIMEOUT_KEY = 'code-remote.timeout';
/** Whose code and open snippet these are (the ID token's `sub`). */
export const OWNER_KEY = 'code-remote.owner';

/** The run limits a user can pick; the API accepts 0.1 to 30 seconds (docs/api.md). */
export const TIMEOUT_CHOICES = [1, 2, 5, 10, 20, 30] as const;
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** The snippet open in the editor, and the code as it was last saved (to show "modified"). */
export interface OpenSnippet {
  id: string;
  title: string;
  description: string;
  savedCode: string;
}

function isOpenSnippet(value: unknown): value is OpenSnippet {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as Record<string, unknown>;
  return ['id', 'title', 'description', 'savedCode'].every((key) => typeof fields[key] === 'string') && fields.id !== '';
}

/** The open snippet saved by `writeOpenSnippet`; a missing or corrupt entry is none. */
export function readOpenSnippet(storage: KeyValueStorage): OpenSnippet | null {
  const raw = storage.getItem(SNIPPET_KEY);
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (isOpenSnippet(value)) {
      return { id: value.id, title: value.title, description: value.description, savedCode: value.savedCode };
    }
  } catch {
    // Treated as no open snippet, and removed below.
  }
  storage.removeItem(SNIPPET_KEY);
  return null;
}

/** Saves the open snippet for the next reload, or removes it (`null`). */
export function writeOpenSnippet(storage: KeyValueStorage, snippet: OpenSnippet | null): void {
  if (snippet === null) storage.removeItem(SNIPPET_KEY);
  else storage.setItem(SNIPPET_KEY, JSON.stringify(snippet));
}

/** The user's run limit, or the default when none (or an unknown one) is stored. */
export function readTimeout(storage: KeyValueStorage): number {
  const stored = Number(storage.getItem(TIMEOUT_KEY));
  return (TIMEOUT_CHOICES as readonly number[]).includes(stored) ? stored : DEFAULT_TIMEOUT_SECONDS;
}
