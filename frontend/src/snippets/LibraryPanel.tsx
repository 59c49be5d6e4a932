import { useState } from 'react';
import { describeError } from '../api/errors';
import { Empty, ErrorMessage, Loading } from '../components/Status';
import { useUi } from '../store/uiStore';
import { PAGE_SIZE, useOpenSnippet, useSnippetPage } from './queries';
import { SnippetRow } from './SnippetRow';

export function LibraryPanel() {
  const [offset, setOffset] = useState(0);
  const page = useSnippetPage(offset);
  const opener = useOpenSnippet();
  const openSave = useUi((state) => state.setSaveDialogOpen);

  if (page.isPending) return <Loading label="Loading your snippets…" />;
  if (page.isError) {
    return (
      <div>
        <ErrorMessage>Could not load your snippets: {describeError(page.error)}</ErrorMessage>
        <button type="button" onClick={() => void page.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  const { items, total } = page.data;
  if (total === 0) {
    return (
      <Empty>
        <p>No saved snippets yet.</p>
        <button type="button" onClick={() => openSave(true)}>
          Save the current code
        </button>
      </Empty>
    );
  }
  const first = offset + 1;
  const last = offset + items.length;
  return (
    <div className="library" aria-busy={page.isFetching}>
      {opener.error ? <ErrorMessage>Could not open the snippet: {opener.error}</ErrorMessage> : null}
      <ul className="snippet-list" aria-label="Saved snippets">
        {items.map((snippet) => (
          <SnippetRow key={snippet.id} snippet={snippet} onOpen={(id) => void opener.open(id)} openingId={opener.loadingId} />
        ))}
      </ul>
      <nav className="pagination" aria-label="Snippet pages">
        <button type="button" onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))} disabled={offset === 0}>
          Previous
        </button>
        <span aria-live="polite">
          {first}–{last} of {total}
        </span>
        <button type="button" onClick={() => setOffset(offset + PAGE_SIZE)} disabled={last >= total}>
          Next
        </button>
      </nav>
    </div>
  );
}
