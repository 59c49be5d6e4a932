import type { ExecutionResult } from '../api/types';
import { useWorkspace } from '../ServicesContext';
import { Empty, ErrorMessage, Loading } from './Status';

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function Summary({ result }: { result: ExecutionResult }) {
  if (result.timed_out) {
    return <p className="result-status result-timeout">Timed out</p>;
  }
  if (result.success) {
    return <p className="result-status result-ok">Finished successfully</p>;
  }
  return (
    <p className="result-status result-error">
      <strong>{result.error_type ?? 'Error'}</strong>
      {result.error ? `: ${result.error}` : null}
    </p>
  );
}

function Result({ result }: { result: ExecutionResult }) {
  return (
    <div className="result" data-testid="execution-result">
      <div className="result-head">
        <Summary result={result} />
        <span className="result-time">Ran in {formatDuration(result.execution_time_ms)}</span>
      </div>
      {result.truncated ? (
        <p className="notice" role="note">
          The output was too large and has been truncated.
        </p>
      ) : null}
      {result.security_violations.length > 0 ? (
        <div className="violations">
          <h3>Security violations (marked in the editor)</h3>
          <ul>
            {result.security_violations.map((violation, index) => (
              <li key={`${violation.line}:${violation.column}:${index}`}>
                Line {violation.line}, column {violation.column + 1}: {violation.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
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
      return <Loading label={run.transport === 'websocket' ? 'Running in the sandbox…' : 'Running…'} />;
    case 'failed':
      return <ErrorMessage>{run.error}</ErrorMessage>;
    case 'done':
      return <Result result={run.result} />;
  }
}
