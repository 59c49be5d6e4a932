import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../api/types';
import { caretLines, errorLine, formatBytes, refusalOf, syntaxProblemOf, truncationNotes } from './resultText';

const BASE: ExecutionResult = {
  success: false,
  stdout: '',
  stderr: '',
  error: null,
  error_type: null,
  execution_time_ms: 0,
  timed_out: false,
  truncated: false,
  security_violations: [],
  cancelled: false,
};

const ALLOWED = " Allowed modules: ['collections', 'heapq', 'math']";

describe('result text', () => {
  it('recognises a syntax error and points a caret at its 1-based column', () => {
    const result = {
      ...BASE,
      error_type: 'SecurityError',
      security_violations: [{ line: 2, column: 7, message: 'Syntax error: invalid syntax' }],
    };
    const problem = syntaxProblemOf(result);
    expect(problem).toEqual({ line: 2, column: 7, message: 'invalid syntax' });
    expect(caretLines('x = 1\nprint(1 +)\n', problem!)).toEqual({ source: 'print(1 +)', caret: '      ^' });
    expect(caretLines('x = 1', { line: 9, column: 1, message: 'm' })).toBeNull();
    expect(caretLines('x = 1', { line: 0, column: 0, message: 'code is nested too deeply' })).toBeNull();
    expect(caretLines('if x:\n\t\ty = (', { line: 2, column: 7, message: 'm' })?.caret).toBe('\t\t    ^');
  });

  it('does not take a refused import for a syntax error', () => {
    const result = { ...BASE, security_violations: [{ line: 1, column: 0, message: `Import of 'os' is not allowed.${ALLOWED}` }] };
    expect(syntaxProblemOf(result)).toBeNull();
  });

  it('sorts findings by position and lists the allowed modules once', () => {
    const refusal = refusalOf([
      { line: 3, column: 4, message: "Use of 'eval()' is not allowed." },
      { line: 1, column: 0, message: `Import of 'os' is not allowed.${ALLOWED}` },
      { line: 0, column: 0, message: '... and 2 more violations' },
      { line: 3, column: 0, message: `Import from 'sys' is not allowed.${ALLOWED}` },
    ]);
    expect(refusal.findings.map((finding) => [finding.line, finding.column, finding.text])).toEqual([
      [1, 0, "Import of 'os' is not allowed."],
      [3, 0, "Import from 'sys' is not allowed."],
      [3, 4, "Use of 'eval()' is not allowed."],
      [0, 0, '... and 2 more violations'],
    ]);
    expect(refusal.allowedModules).toEqual(['collections', 'heapq', 'math']);
    expect(refusalOf([{ line: 1, column: 0, message: "Access to '__class__' is not allowed." }]).allowedModules).toBeNull();
  });

  it('says how much of a cut output is shown, per stream', () => {
    const stdout = 'x\n'.repeat(1000);
    const result = {
      ...BASE,
      success: true,
      stdout,
      stderr: 'boom\n',
      truncated: true,
      output_size: { stdout: { bytes: 20_000_000, lines: 10_000_000 }, stderr: { bytes: 5, lines: 1 } },
    };
    expect(truncationNotes(result)).toEqual([
      'Showing the first 2.0 KiB (1,000 lines) of 19.1 MiB (10,000,000 lines) of output.',
    ]);
    expect(truncationNotes({ ...result, output_size: undefined })).toEqual(['The output was too large and has been cut.']);
    expect(truncationNotes({ ...result, truncated: false })).toEqual([]);
  });

  it('formats sizes and does not repeat a class name that is the whole message', () => {
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(65_536)).toBe('64.0 KiB');
    expect(errorLine({ ...BASE, error_type: 'MemoryError', error: 'MemoryError' })).toEqual({ type: 'MemoryError', message: null });
    expect(errorLine({ ...BASE, error_type: 'ValueError', error: 'bad' })).toEqual({ type: 'ValueError', message: 'bad' });
  });
});
