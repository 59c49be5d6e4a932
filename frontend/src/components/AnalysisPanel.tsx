import { lazy, Suspense } from 'react';
import { useServices, useWorkspace } from '../ServicesContext';
import { ComplexityBadges } from './Badges';
import { Empty, ErrorMessage, Loading } from './Status';

let markdownModule: Promise<typeof import('../markdown/Markdown')> | null = null;

/** Starts loading the markdown renderer (KaTeX included), once; Analyze calls it on click. */
export function preloadMarkdown(): Promise<typeof import('../markdown/Markdown')> {
  markdownModule ??= import('../markdown/Markdown');
  return markdownModule;
}

const Markdown = lazy(() => preloadMarkdown().then((module) => ({ default: module.Markdown })));

/** The narrative, rendered; until the renderer has loaded, a placeholder rather than raw markdown. */
function Narrative({ source }: { source: string }) {
  return (
    <Suspense fallback={<Loading label="Formatting the explanation…" />}>
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
          <button
            type="button"
            onClick={() => {
              void preloadMarkdown();
              void workspace.getState().analyzeCode();
            }}
          >
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
