import { describe, expect, it } from 'vitest';
import { violationMarkers } from './markers';

describe('violationMarkers', () => {
  const lines = ['x = 1', 'y = eval("1")', 'import os'];

  it('converts 1-based lines and 0-based columns to Monaco ranges running to the line end', () => {
    expect(violationMarkers([{ line: 2, column: 4, message: "Use of 'eval()' is not allowed." }], lines)).toEqual([
      { startLineNumber: 2, startColumn: 5, endLineNumber: 2, endColumn: 14, message: "Use of 'eval()' is not allowed." },
    ]);
  });

  it('clamps positions outside the code', () => {
    const [marker] = violationMarkers([{ line: 9, column: 50, message: 'm' }], lines);
    expect(marker).toMatchObject({ startLineNumber: 3, startColumn: 10, endColumn: 11 });
    const [first] = violationMarkers([{ line: 1, column: -1, message: 'm' }], lines);
    expect(first).toMatchObject({ startLineNumber: 1, startColumn: 1, endColumn: 6 });
    expect(violationMarkers([{ line: 0, column: 0, message: '... and 3 more violations' }], lines)).toEqual([]);
  });

  it("reads a syntax error's column as 1-based", () => {
    const [marker] = violationMarkers([{ line: 2, column: 5, message: 'Syntax error: invalid syntax' }], lines);
    expect(marker).toMatchObject({ startLineNumber: 2, startColumn: 5 });
  });
});
