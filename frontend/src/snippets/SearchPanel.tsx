import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../api/errors';
import { Empty, ErrorMessage, Loading } from '../components/Status';
import { useOpenSnippet, useSearch } from './queries';
import { ResultList } from './ResultList';
import type { SearchMethod } from '../api/types';

/** How the backend answered, in a user's words (docs/search.md). */
const METHOD_LABELS: Record<SearchMethod, string> = {
  semantic: 'matched by meaning and words',
  structured: 'matched by your filters',
  keyword: 'matched by words only; meaning search is unavailable right now',
};

function SearchResults({ query, submission }: { query: string; submission: number }) {
  const search = useSearch(query, submission);
  const opener = useOpenSnippet();
  if (search.isPending) return <Loading label="Searching…" />;
  if (search.isError) {
    if (search.error instanceof ApiError && search.error.status === 503) {
      return <ErrorMessage>Search is unavailable right now. Try again in a little while.</ErrorMessage>;
    }
    return <ErrorMessage>Search failed: {describeError(search.error)}</ErrorMessage>;
  }
  const { results, method, total } = search.data;
  if (results.length === 0) {
    return (
      <Empty>
        <p>No snippets match “{query}”.</p>
      </Empty>
    );
  }
  return (
    <div>
      <p className="muted" aria-live="polite">
        {total} {total === 1 ? 'result' : 'results'} ({METHOD_LABELS[method]})
      </p>
      {opener.error ? <ErrorMessage>Could not open the snippet: {opener.error}</ErrorMessage> : null}
      <ResultList
        results={results}
        label="Search results"
        showScores={method !== 'structured'}
        onOpen={(id) => void opener.open(id)}
        openingId={opener.loadingId}
      />
    </div>
  );
}

export function SearchPanel() {
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [submission, setSubmission] = useState(0);
  const tooShort = text.trim().length > 0 && text.trim().length < 3;

  function submit(event: FormEvent) {
    event.preventDefault();
    const q = text.trim();
    if (q.length < 3) return;
    setQuery(q);
    setSubmission((count) => count + 1);
  }

  return (
    <div className="search">
      <form className="search-form" role="search" onSubmit={submit}>
        <label htmlFor="search-query">Search your snippets</label>
        <div className="search-row">
          <input
            id="search-query"
            type="search"
            value={text}
            maxLength={500}
            placeholder="e.g. recursive fibonacci"
            onChange={(event) => setText(event.target.value)}
            aria-describedby="search-hint"
          />
          <button type="submit" className="primary" disabled={text.trim().length < 3}>
            Search
          </button>
        </div>
        <p id="search-hint" className={tooShort ? 'field-error' : 'muted'}>
          At least 3 characters; describe what the code does.
        </p>
      </form>
      {query ? <SearchResults query={query} submission={submission} /> : null}
    </div>
  );
}
