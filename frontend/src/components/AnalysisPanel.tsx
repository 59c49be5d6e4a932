import { lazy, Suspense } from 'react';
import { useServices, useWorkspace } from '../ServicesContext';
import { ComplexityBadges } from './Badges';
import { Empty, ErrorMessage, Loading } from './Status';

const Markdown = lazy(() => import('../markdown/Markdown').then((module) => ({ default: module.Markdown })));

function Narrative({ source }: { source: string }) {
  return (
    <Suspense fallback={<pre className="narrative-raw">{source}</pre>}>
      <Markdown source={source} />
    </Suspense>
  );
}

export function AnalysisPanel() {
  const { workspace } = useServices();
  const analysis = useWorkspace((state) => state.analysis);

  switch (analysis.status) {
    case 'idle':
      return (
        <Empty>
          <p>Analyze your code to get its time and space complexity explained.</p>
          <button type="button" onClick={() => void workspace.getState().analyzeCode()}>
            Analyze
          </button>
        </Empty>
      );
    case 'streaming':
      return (
        <div className="analysis" aria-busy="true">
          <Loading label="Analyzing…" />
          {analysis.narrative ? <Narrative source={analysis.narrative} /> : null}
        </div>
      );
    case 'failed':
      return (
        <div className="analysis">
          <ErrorMessage>Analysis failed: {analysis.error}</ErrorMessage>
          {analysis.narrative ? <Narrative source={analysis.narrative} /> : null}
        </div>
      );
    case 'done': {
      const { result } = analysis;
      return (
        <div className="analysis" data-testid="analysis-result">
          {!result.success ? (
            <ErrorMessage>
              {result.available ? `Analysis failed: ${result.error ?? 'unknown error'}` : 'Analysis is not available right now.'}
            </ErrorMessage>
          ) : null}
          <ComplexityBadges time={result.time_complexity} space={result.space_complexity} />
          {result.patterns && result.patterns.length > 0 ? (
            <div className="patterns">
              <h3>Patterns</h3>
              <ul className="chips">
                {result.patterns.map((pattern) => (
                  <li key={pattern} className="chip">
                    {pattern.replace(/_/g, ' ')}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {result.narrative ? <Narrative source={result.narrative} /> : null}
          {result.model ? <p className="muted">Analysis by {result.model}</p> : null}
        </div>
      );
    }
  }
}
