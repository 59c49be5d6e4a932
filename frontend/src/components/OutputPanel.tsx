import { useEffect, useState } from 'react';
import type { ExecutionResult } from '../api/types';
import { useServices, useWorkspace } from '../ServicesContext';
import type { RunState } from '../store/workspaceStore';
import {
  caretLines,
  errorLine,
  formatDuration,
  formatSeconds,
  refusalOf,
  syntaxProblemOf,
  truncationNotes,
  type SyntaxProblem,
} from './resultText';
import { Empty, ErrorMessage } from './Status';

type Running = Extract<RunState, { status: 'running' }>;
type Done = Extract<RunState, { status: 'done' }>;

/** Seconds since `since`, redrawn ten times a second while mounted. */
function useElapsed(since: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, []);
  return Math.max(0, now - since) / 1000;
}

function RunningView({ run }: { run: Running }) {
  const { workspace } = useServices();
  const elapsed = useElapsed(run.startedAt);
  const where = run.transport === 'websocket' ? 'Running in the sandbox' : 'Running';
  return (
    <div className="running" data-testid="running">
      <p className="state state-loading" role="status">
        <span className="spinner" aria-hidden="true" />
        {run.stopping ? 'Stopping…' : `${where}…`}
        <span className="elapsed" data-testid="elapsed">
          {elapsed.toFixed(1)} s of {formatSeconds(run.limitSeconds)}
        </span>
      </p>
      <button type="button" className="danger" onClick={() => void workspace.getState().stopRun()} disabled={run.stopping}>
        Stop
      </button>
      {run.stopError ? <ErrorMessage>{run.stopError}</ErrorMessage> : null}
    </div>
  );
}

function SyntaxErrorView({ problem, code }: { problem: SyntaxProblem; code: string }) {
  const excerpt = caretLines(code, problem);
  return (
    <div className="syntax-error" data-testid="syntax-error">
      <p className="result-status result-error">
        {problem.line > 0 ? `Syntax error on line ${problem.line}` : 'Syntax error'}
        {problem.line > 0 && problem.column > 0 ? `, column ${problem.column}` : ''}: {problem.message}
      </p>
      {excerpt ? (
        <pre className="caret" aria-label={`Line ${problem.line}`}>
          {excerpt.source}
          {'\n'}
          {excerpt.caret}
        </pre>
      ) : null}
      <p className="muted">Nothing ran. Fix the line marked in the editor and run again.</p>
    </div>
  );
}

function RefusedView({ result }: { result: ExecutionResult }) {
  const { findings, allowedModules } = refusalOf(result.security_violations);
  return (
    <div className="violations">
      <p className="result-status result-error">Not run: the code uses what the sandbox does not allow.</p>
      <h3>Refused (marked in the editor)</h3>
      <ul>
        {findings.map((finding, index) => (
          <li key={`${finding.line}:${finding.column}:${index}`}>
            {finding.line > 0 ? `Line ${finding.line}: ` : null}
            {finding.text}
          </li>
        ))}
      </ul>
      {allowedModules ? (
        <p className="allowed-modules">
          <strong>Modules you can import:</strong> {allowedModules.join(', ')}
        </p>
      ) : null}
    </div>
  );
}

/** A stopped result that shows no sign of having run. */
function neverRan(result: ExecutionResult): boolean {
  return result.execution_time_ms === 0 && result.stdout === '' && result.stderr === '';
}

function Summary({ run }: { run: Done }) {
  const { result } = run;
  if (result.cancelled) {
    return (
      <p className="result-status result-timeout">
        {neverRan(result) ? 'Stopped before it started' : `Stopped after ${formatDuration(result.execution_time_ms)}`}
      </p>
    );
  }
  if (result.timed_out) {
    return <p className="result-status result-timeout">Timed out after {formatSeconds(run.limitSeconds)}</p>;
  }
  if (result.success) {
    return <p className="result-status result-ok">Finished successfully</p>;
  }
  const { type, message } = errorLine(result);
  return (
    <p className="result-status result-error">
      <strong>{type}</strong>
      {message ? `: ${message}` : null}
    </p>
  );
}

function Output({ result }: { result: ExecutionResult }) {
  return (
    <>
      {truncationNotes(result).map((note) => (
        <p key={note} className="notice" role="note">
          {note}
        </p>
      ))}
      <h3>Output</h3>
      {result.stdout ? (
        <pre className="stdout" data-testid="stdout">
          {result.stdout}
        </pre>
      ) : (
        <p className="muted">No output.</p>
      )}
      {result.stderr ? (
        <>
          <h3>Errors</h3>
          <pre className="stderr" data-testid="stderr">
            {result.stderr}
          </pre>
        </>
      ) : null}
    </>
  );
}

function Result({ run }: { run: Done }) {
  const { result } = run;
  if (result.security_violations.length > 0) {
    const problem = syntaxProblemOf(result);
    return (
      <div className="result" data-testid="execution-result">
        {problem ? <SyntaxErrorView problem={problem} code={run.code} /> : <RefusedView result={result} />}
      </div>
    );
  }
  // A stopped direct run keeps no output, and a job stopped before it started wrote none.
  const kept = !(result.cancelled && (run.transport === 'http' || neverRan(result)));
  return (
    <div className="result" data-testid="execution-result">
      <div className="result-head">
        <Summary run={run} />
        {result.cancelled ? null : <span className="result-time">Ran in {formatDuration(result.execution_time_ms)}</span>}
      </div>
      {result.cancelled && run.transport === 'http' ? <p className="muted">{result.error}</p> : null}
      {kept ? <Output result={result} /> : null}
    </div>
  );
}

export function OutputPanel() {
  const run = useWorkspace((state) => state.run);
  switch (run.status) {
    case 'idle':
      return (
        <Empty>
          <p>Run your code to see its output here.</p>
        </Empty>
      );
    case 'running':
      return <RunningView run={run} />;
    case 'failed':
      return <ErrorMessage>{run.error}</ErrorMessage>;
    case 'done':
      return <Result run={run} />;
  }
}
