import { lazy, Suspense } from 'react';
import { useServices, useWorkspace } from '../ServicesContext';
import { useUi } from '../store/uiStore';
import { Loading } from './Status';

const CodeEditor = lazy(() => import('../editor/CodeEditor'));

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const RUN_SHORTCUT = isMac ? '⌘+Enter' : 'Ctrl+Enter';

export function EditorPane() {
  const { workspace } = useServices();
  const running = useWorkspace((state) => state.run.status === 'running');
  const analyzing = useWorkspace((state) => state.analysis.status === 'streaming');
  const snippet = useWorkspace((state) => state.snippet);
  const showPanel = useUi((state) => state.showPanel);
  const openSave = useUi((state) => state.setSaveDialogOpen);

  return (
    <section className="editor-pane" aria-label="Editor">
      <div className="toolbar" role="toolbar" aria-label="Code actions">
        <button
          type="button"
          className="primary"
          onClick={() => {
            showPanel('output');
            void workspace.getState().runCode();
          }}
          disabled={running}
          aria-keyshortcuts="Control+Enter Meta+Enter"
          title={`Run (${RUN_SHORTCUT})`}
        >
          {running ? 'Running…' : 'Run'}
        </button>
        <button
          type="button"
          onClick={() => {
            showPanel('analysis');
            void workspace.getState().analyzeCode();
          }}
          disabled={analyzing}
        >
          {analyzing ? 'Analyzing…' : 'Analyze'}
        </button>
        <button type="button" onClick={() => openSave(true)}>
          Save
        </button>
        <span className="snippet-name" aria-live="polite">
          {snippet ? snippet.title || 'Untitled snippet' : 'Unsaved code'}
        </span>
        <button
          type="button"
          className="link"
          onClick={() => workspace.getState().setSnippet(null)}
          hidden={!snippet}
        >
          New snippet
        </button>
        <span className="shortcut-hint">{RUN_SHORTCUT} runs</span>
      </div>
      <Suspense fallback={<Loading label="Loading editor…" />}>
        <CodeEditor />
      </Suspense>
    </section>
  );
}
