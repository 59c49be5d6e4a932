import type { ExecutionResult, SecurityViolation, StreamSize } from '../api/types';

/** A syntax error the sandbox's validator reported (`Syntax error: <msg>` at a line and column). */
export interface SyntaxProblem {
  line: number;
  /** 1-based, as Python reports a syntax error's offset; 0 when unknown. */
  column: number;
  message: string;
}

/** One refused construct, in one sentence. */
export interface Finding {
  line: number;
  column: number;
  text: string;
}

/** The validator's findings as a user reads them: by position, with the allowed modules once. */
export interface Refusal {
  findings: Finding[];
  allowedModules: string[] | null;
}

/** How the validator's message for a syntax error begins (docs/sandbox.md). */
export const SYNTAX_PREFIX = 'Syntax error: ';
const ALLOWED_SUFFIX = / Allowed modules: \[(.*)\]$/s;

/** The syntax error of a refused run, when that is why it was refused. */
export function syntaxProblemOf(result: ExecutionResult): SyntaxProblem | null {
  const [only, ...rest] = result.security_violations;
  if (!only || rest.length > 0 || !only.message.startsWith(SYNTAX_PREFIX)) return null;
  return { line: only.line, column: only.column, message: only.message.slice(SYNTAX_PREFIX.length) };
}

function modulesIn(list: string): string[] {
  return [...list.matchAll(/'([^']*)'/g)].map((match) => match[1] ?? '').filter((name) => name !== '');
}

/** Sorts the findings by line and column and moves the allowed-module list out of each message. */
export function refusalOf(violations: SecurityViolation[]): Refusal {
  let allowedModules: string[] | null = null;
  const findings = violations.map((violation) => {
    const match = ALLOWED_SUFFIX.exec(violation.message);
    if (!match) return { line: violation.line, column: violation.column, text: violation.message };
    allowedModules ??= modulesIn(match[1] ?? '');
    return { line: violation.line, column: violation.column, text: violation.message.slice(0, match.index) };
  });
  // Findings without a place (line 0, such as the count of those left out) go last.
  const place = (finding: Finding) => (finding.line > 0 ? finding.line : Number.MAX_SAFE_INTEGER);
  findings.sort((a, b) => place(a) - place(b) || a.column - b.column);
  return { findings, allowedModules };
}

/** The source line a syntax error points at, and a caret under its column (tabs kept, so the
 * caret lines up however wide the tabs are drawn). */
export function caretLines(code: string, problem: SyntaxProblem): { source: string; caret: string } | null {
  if (problem.line < 1) return null;
  const source = code.split('\n')[problem.line - 1];
  if (source === undefined) return null;
  const column = Math.min(Math.max(problem.column, 1), source.length + 1);
  return { source, caret: `${source.slice(0, column - 1).replace(/[^\t]/g, ' ')}^` };
}

/** `1.5 KiB`, `19.1 MiB`: sizes as people read them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function lines(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'line' : 'lines'}`;
}

function keptOf(text: string): StreamSize {
  const bytes = new TextEncoder().encode(text).length;
  const newlines = text.split('\n').length - 1;
  return { bytes, lines: newlines + (text !== '' && !text.endsWith('\n') ? 1 : 0) };
}

/** One sentence per cut stream: how much is shown of how much the program wrote. */
export function truncationNotes(result: ExecutionResult): string[] {
  if (!result.truncated) return [];
  const size = result.output_size;
  if (!size) return ['The output was too large and has been cut.'];
  const notes: string[] = [];
  for (const [name, text, written] of [
    ['output', result.stdout, size.stdout],
    ['error output', result.stderr, size.stderr],
  ] as const) {
    const kept = keptOf(text);
    if (kept.bytes >= written.bytes) continue;
    notes.push(
      `Showing the first ${formatBytes(kept.bytes)} (${lines(kept.lines)}) of ${formatBytes(written.bytes)} (${lines(written.lines)}) of ${name}.`,
    );
  }
  return notes.length > 0 ? notes : ['The output was too large and has been cut.'];
}

/** `850 ms`, `2.31 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** `30 s`, `0.5 s`: a run limit. */
export function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** The error line of a failed run, without repeating a class name that is also the message. */
export function errorLine(result: ExecutionResult): { type: string; message: string | null } {
  const type = result.error_type ?? 'Error';
  const message = result.error && result.error !== type ? result.error : null;
  return { type, message };
}
