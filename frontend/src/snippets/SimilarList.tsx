import { ApiError, describeError } from '../api/errors';
import { Empty, ErrorMessage, Loading } from '../components/Status';
import { useSimilar } from './queries';
import { ResultList } from './ResultList';

export function SimilarList({ id, onOpen, openingId }: { id: string; onOpen: (id: string) => void; openingId: string | null }) {
  const similar = useSimilar(id);
  if (similar.isPending) return <Loading label="Finding similar snippets…" />;
  if (similar.isError) {
    const unavailable = similar.error instanceof ApiError && similar.error.status === 503;
    return (
      <ErrorMessage>
        {unavailable ? 'Similar snippets are unavailable right now.' : describeError(similar.error)}
      </ErrorMessage>
    );
  }
  if (similar.data.similar.length === 0) {
    return (
      <Empty>
        <p>No similar snippets yet.</p>
      </Empty>
    );
  }
  return (
    <ResultList results={similar.data.similar} showScores onOpen={onOpen} openingId={openingId} label="Similar snippets" />
  );
}
