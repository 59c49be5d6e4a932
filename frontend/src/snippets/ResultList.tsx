import type { SearchResult } from '../api/types';
import { ComplexityBadges } from '../components/Badges';

interface ResultListProps {
  results: SearchResult[];
  label: string;
  /** False when the order is not by relevance (a search answered by filters alone). */
  showScores: boolean;
  onOpen: (id: string) => void;
  openingId: string | null;
}

/** Search or similarity results: title, description, complexity and score, each openable. */
export function ResultList({ results, label, showScores, onOpen, openingId }: ResultListProps) {
  return (
    <ul className="results" aria-label={label}>
      {results.map((result) => (
        <li key={result.snippet_id} className="result-item">
          <div className="result-item-head">
            <span className="snippet-title">{result.title || 'Untitled snippet'}</span>
            {showScores ? (
              <span className="score" title="How closely it matches, from 0% to 100%">
                {(result.score * 100).toFixed(0)}% match
              </span>
            ) : null}
          </div>
          {result.description ? <p className="snippet-description">{result.description}</p> : null}
          <div className="result-item-foot">
            <ComplexityBadges time={result.time_complexity} space={result.space_complexity} />
            <button
              type="button"
              onClick={() => onOpen(result.snippet_id)}
              disabled={openingId === result.snippet_id}
              aria-label={`Open ${result.title || 'untitled snippet'}`}
            >
              {openingId === result.snippet_id ? 'Opening…' : 'Open'}
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}
