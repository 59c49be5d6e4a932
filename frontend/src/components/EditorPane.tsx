import { lazy, Suspense } from 'react';
import { useServices, useWorkspace } from '../ServicesContext';
import { TIMEOUT_CHOICES } from '../store/persisted';
import { useUi } from '../store/uiStore';
import { isModified } from '../store/workspaceStore';
import { preloadMarkdown } from './AnalysisPanel';
import { Loading } from './Status';

const CodeEditor = lazy(() => import('../editor/CodeEditor'));

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const RUN_SHORTCUT = isMac ? '⌘+Enter' : 'Ctrl+Enter';

function RunButton() {
  const { workspace } = useServices();
  const running = useWorkspace((state) => state.run.status === 'running');
  const showPanel = useUi((state) => state.showPanel);
  if (running) {
    return (
      <button type="button" className="danger-solid" onClick={() => void workspace.getState().stopRun()}>
        Stop
      </button>
    );
  }
  return (
    <button
      type="button"
      className="primary"
      onClick={() => {
        showPanel('output');
        void workspace.getState().runCode();
      }}
      aria-keyshortcuts="Control+Enter Meta+Enter"
      title={`Run (${RUN_SHORTCUT})`}
    >
      Run
    </button>
  );
}

function LimitPicker() {
  const { workspace } = useServices();
  const timeoutSeconds = useWorkspace((state) => state.timeoutSeconds);
  const running = useWorkspace((state) => state.run.status === 'running');
  return (
    <label className="limit">
      <span>Limit</span>
      <select
        value={timeoutSeconds}
        disabled={running}
        onChange={(event) => workspace.getState().setTimeoutSeconds(Number(event.target.value))}
        title="The longest the run may take before it is stopped"
      >
        {TIMEOUT_CHOICES.map((seconds) => (
          <option key={seconds} value={seconds}>
            {seconds} s
          </option>
        ))}
      </select>
    </label>
  );
}

function SnippetName() {
  const { workspace } = useServices();
  const snippet = useWorkspace((state) => state.snippet);
  const modified = useWorkspace(isModified);
  return (
    <>
      <span className="snippet-name" aria-live="polite" data-testid="snippet-name">
        {snippet ? snippet.title || 'Untitled snippet' : 'Unsaved code'}
      </span>
      {modified ? (
        <span className="modified" title="The code differs from the saved snippet" data-testid="modified">
          modified
        </span>
      ) : null}
      <button type="button" className="link" onClick={() => workspace.getState().setSnippet(null)} hidden={!snippet}>
        New snippet
      </button>
    </>
  );
}

export function EditorPane() {
  const { workspace } = useServices();
  const analyzing = useWorkspace((state) => state.analysis.status === 'streaming');
  const showPanel = useUi((state) => state.showPanel);
  const openSave = useUi((state) => state.setSaveDialogOpen);
  const flash = useUi((state) => state.flash);

  return (
    <section className="editor-pane" aria-label="Editor">
      <div className="toolbar" role="toolbar" aria-label="Code actions">
        <RunButton />
        <LimitPicker />
        <button
          type="button"
          onClick={() => {
            showPanel('analysis');
            void preloadMarkdown();
            void workspace.getState().analyzeCode();
          }}
          disabled={analyzing}
        >
          {analyzing ? 'Analyzing…' : 'Analyze'}
        </button>
        <button type="button" onClick={() => openSave(true)}>
          Save
        </button>
        <SnippetName />
        <span className="shortcut-hint">{RUN_SHORTCUT} runs</span>
      </div>
      <p className="flash" role="status" aria-live="polite" data-testid="flash">
        {flash}
      </p>
      <Suspense fallback={<Loading label="Loading editor…" />}>
        <CodeEditor />
      </Suspense>
    </section>
  );
}
