import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../api/errors';
import type { SnippetSummary } from '../api/types';
import { ComplexityBadges } from '../components/Badges';
import { Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/Status';
import { useDeleteSnippet, useToggleStar, useUpdateSnippet } from './queries';
import { SimilarList } from './SimilarList';

interface SnippetRowProps {
  snippet: SnippetSummary;
  onOpen: (id: string) => void;
  openingId: string | null;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function SnippetRow({ snippet, onOpen, openingId }: SnippetRowProps) {
  const name = snippet.title || 'Untitled snippet';
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(snippet.title ?? '');
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [showSimilar, setShowSimilar] = useState(false);
  const rename = useUpdateSnippet();
  const star = useToggleStar();
  const remove = useDeleteSnippet();
  const actionError = star.error ?? remove.error;

  async function submitRename(event: FormEvent) {
    event.preventDefault();
    try {
      await rename.mutateAsync({ id: snippet.id, update: { title: title.trim() || null } });
      setRenaming(false);
    } catch {
      // Shown from the mutation state.
    }
  }

  async function confirmDelete() {
    try {
      await remove.mutateAsync(snippet.id);
    } finally {
      setConfirmingDelete(false);
    }
  }

  const renameError =
    rename.error instanceof ApiError ? (rename.error.fieldErrors.title ?? rename.error.message) : rename.error ? describeError(rename.error) : null;

  return (
    <li className="snippet-row">
      {renaming ? (
        <form className="rename-form" onSubmit={submitRename}>
          <label htmlFor={`rename-${snippet.id}`}>New title</label>
          <input
            id={`rename-${snippet.id}`}
            value={title}
            maxLength={255}
            autoFocus
            onChange={(event) => setTitle(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') setRenaming(false);
            }}
            aria-invalid={renameError ? true : undefined}
          />
          <button type="submit" className="primary" disabled={rename.isPending}>
            {rename.isPending ? 'Saving…' : 'Rename'}
          </button>
          <button type="button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
          {renameError ? <ErrorMessage>{renameError}</ErrorMessage> : null}
        </form>
      ) : (
        <div className="snippet-row-head">
          <button
            type="button"
            className={`star ${snippet.is_starred ? 'starred' : ''}`}
            aria-pressed={snippet.is_starred}
            aria-label={`Star ${name}`}
            onClick={() => star.mutate(snippet.id)}
            disabled={star.isPending}
          >
            {snippet.is_starred ? '★' : '☆'}
          </button>
          <span className="snippet-title">{name}</span>
          <span className="muted snippet-date">{dateFormat.format(new Date(snippet.updated_at))}</span>
        </div>
      )}
      {snippet.description ? <p className="snippet-description">{snippet.description}</p> : null}
      <div className="snippet-row-foot">
        <ComplexityBadges time={snippet.time_complexity} space={snippet.space_complexity} />
        <div className="row-actions">
          <button type="button" onClick={() => onOpen(snippet.id)} disabled={openingId === snippet.id} aria-label={`Open ${name}`}>
            {openingId === snippet.id ? 'Opening…' : 'Open'}
          </button>
          <button type="button" onClick={() => setRenaming(true)} hidden={renaming} aria-label={`Rename ${name}`}>
            Rename
          </button>
          <button
            type="button"
            onClick={() => setShowSimilar((shown) => !shown)}
            aria-expanded={showSimilar}
            aria-label={`Similar to ${name}`}
          >
            Similar
          </button>
          <button type="button" className="danger" onClick={() => setConfirmingDelete(true)} aria-label={`Delete ${name}`}>
            Delete
          </button>
        </div>
      </div>
      {actionError ? <ErrorMessage>{describeError(actionError)}</ErrorMessage> : null}
      {showSimilar ? <SimilarList id={snippet.id} onOpen={onOpen} openingId={openingId} /> : null}
      <Dialog open={confirmingDelete} title="Delete snippet?" onClose={() => setConfirmingDelete(false)}>
        <p>
          “{name}” will be deleted permanently.
        </p>
        <div className="dialog-actions">
          <button type="button" className="danger" onClick={() => void confirmDelete()} disabled={remove.isPending}>
            {remove.isPending ? 'Deleting…' : 'Delete'}
          </button>
          <button type="button" onClick={() => setConfirmingDelete(false)} autoFocus>
            Cancel
          </button>
        </div>
      </Dialog>
    </li>
  );
}
