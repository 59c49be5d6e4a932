import type { SecurityViolation } from '../api/types';
import { SYNTAX_PREFIX } from '../components/resultText';

export interface MarkerRange {
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
  message: string;
}

/**
 * Monaco marker ranges for security violations. The API reports a 1-based line and a 0-based
 * column (Python's `ast` convention) except for syntax errors, whose column is 1-based (Python's
 * `SyntaxError.offset`); Monaco counts both from 1. The marker runs to the end of the line, and
 * positions outside the code are clamped into it.
 */
export function violationMarkers(violations: SecurityViolation[], lines: string[]): MarkerRange[] {
  const lineCount = Math.max(1, lines.length);
  // A finding without a place (line 0: the count of those left out, a nesting limit) has no marker.
  return violations.filter((violation) => violation.line >= 1).map((violation) => {
    const line = Math.min(Math.max(1, Math.trunc(violation.line)), lineCount);
    const text = lines[line - 1] ?? '';
    const column = violation.message.startsWith(SYNTAX_PREFIX) ? violation.column - 1 : violation.column;
    const startColumn = Math.min(Math.max(0, Math.trunc(column)), text.length) + 1;
    const endColumn = Math.max(startColumn + 1, text.length + 1);
    return { startLineNumber: line, startColumn, endLineNumber: line, endColumn, message: violation.message };
  });
}
