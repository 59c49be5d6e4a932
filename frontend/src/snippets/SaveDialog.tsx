import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../api/errors';
import { Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/Status';
import { useServices, useWorkspace } from '../ServicesContext';
import { useUi } from '../store/uiStore';
import { useCreateSnippet, useUpdateSnippet } from './queries';

function fieldErrorsOf(error: unknown): Record<string, string> {
  return error instanceof ApiError ? error.fieldErrors : {};
}

function SaveForm({ onDone }: { onDone: () => void }) {
  const { workspace } = useServices();
  const snippet = useWorkspace((state) => state.snippet);
  const [title, setTitle] = useState(snippet?.title ?? '');
  const [description, setDescription] = useState(snippet?.description ?? '');
  const [titleMissing, setTitleMissing] = useState(false);
  const showFlash = useUi((state) => state.showFlash);
  const create = useCreateSnippet();
  const update = useUpdateSnippet();
  const pending = create.isPending || update.isPending;
  const error = create.error ?? update.error;
  const fields = titleMissing ? { ...fieldErrorsOf(error), title: 'Give the snippet a title.' } : fieldErrorsOf(error);
  const otherErrors = Object.entries(fields).filter(([field]) => field !== 'title' && field !== 'description');

  async function save(asNew: boolean) {
    const name = title.trim();
    create.reset();
    update.reset();
    setTitleMissing(name === '');
    if (name === '') return;
    const body = { code: workspace.getState().code, title: name, description: description.trim() || null };
    try {
      if (snippet && !asNew) {
        await update.mutateAsync({ id: snippet.id, update: body });
        showFlash(`Saved changes to “${name}”`);
      } else {
        await create.mutateAsync({ ...body, language: 'python' });
        showFlash(`Saved “${name}”`);
      }
      onDone();
    } catch {
      // The error is shown from the mutation state.
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void save(false);
  }

  return (
    <form onSubmit={submit} className="form" aria-busy={pending} noValidate>
      <label htmlFor="save-title">Title</label>
      <input
        id="save-title"
        value={title}
        maxLength={255}
        autoFocus
        required
        placeholder="e.g. Binary search"
        onChange={(event) => {
          setTitle(event.target.value);
          setTitleMissing(false);
        }}
        aria-invalid={fields.title ? true : undefined}
        aria-describedby={fields.title ? 'save-title-error' : undefined}
      />
      {fields.title ? (
        <p id="save-title-error" className="field-error">
          {fields.title}
        </p>
      ) : null}
      <label htmlFor="save-description">Description</label>
      <textarea
        id="save-description"
        value={description}
        maxLength={2000}
        rows={4}
        onChange={(event) => setDescription(event.target.value)}
        aria-invalid={fields.description ? true : undefined}
        aria-describedby={fields.description ? 'save-description-error' : undefined}
      />
      {fields.description ? (
        <p id="save-description-error" className="field-error">
          {fields.description}
        </p>
      ) : null}
      {otherErrors.map(([field, message]) => (
        <ErrorMessage key={field}>
          {field}: {message}
        </ErrorMessage>
      ))}
      {error instanceof ApiError && error.status === 404 ? (
        <ErrorMessage>This snippet was deleted elsewhere. Save again to keep the code as a new snippet.</ErrorMessage>
      ) : error && Object.keys(fields).length === 0 ? (
        <ErrorMessage>{describeError(error)}</ErrorMessage>
      ) : null}
      <div className="dialog-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Saving…' : snippet ? 'Save changes' : 'Save'}
        </button>
        {snippet ? (
          <button type="button" onClick={() => void save(true)} disabled={pending}>
            Save as new
          </button>
        ) : null}
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function SaveDialog() {
  const open = useUi((state) => state.saveDialogOpen);
  const setOpen = useUi((state) => state.setSaveDialogOpen);
  const editing = useWorkspace((state) => state.snippet !== null);
  return (
    <Dialog open={open} title={editing ? 'Save snippet' : 'Save as a new snippet'} onClose={() => setOpen(false)}>
      <SaveForm onDone={() => setOpen(false)} />
    </Dialog>
  );
}
