import { useEffect, useRef } from 'react';
import { useServices, useWorkspace } from '../ServicesContext';
import { violationMarkers } from './markers';
import { monaco } from './monaco';

const MARKER_OWNER = 'security';

/** The Monaco editor bound to the workspace store; Ctrl/Cmd+Enter runs the code. */
export default function CodeEditor() {
  const { workspace } = useServices();
  const container = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const run = useWorkspace((state) => state.run);
  const code = useWorkspace((state) => state.code);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const model = monaco.editor.createModel(workspace.getState().code, 'python');
    const editor = monaco.editor.create(element, {
      model,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 14,
      scrollBeyondLastLine: false,
      tabSize: 4,
      insertSpaces: true,
      ariaLabel: 'Python code editor. Press Control+Enter or Command+Enter to run.',
      theme: 'vs-dark',
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => {
      void workspace.getState().runCode();
    });
    const changes = model.onDidChangeContent(() => {
      workspace.getState().setCode(model.getValue());
      monaco.editor.setModelMarkers(model, MARKER_OWNER, []);
    });
    editorRef.current = editor;
    element.dataset.ready = 'true';
    performance.mark('code-remote:editor-ready');
    return () => {
      changes.dispose();
      editor.dispose();
      model.dispose();
      editorRef.current = null;
      delete element.dataset.ready;
    };
  }, [workspace]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model && model.getValue() !== code) model.setValue(code);
  }, [code]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    const violations = run.status === 'done' ? run.result.security_violations : [];
    const markers = violationMarkers(violations, model.getLinesContent()).map((range) => ({
      ...range,
      severity: monaco.MarkerSeverity.Error,
      source: 'sandbox',
    }));
    monaco.editor.setModelMarkers(model, MARKER_OWNER, markers);
  }, [run]);

  return <div ref={container} className="code-editor" data-testid="code-editor" />;
}
