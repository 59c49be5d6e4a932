import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown, safeUrl } from './Markdown';

function render(source: string): string {
  return renderToStaticMarkup(<Markdown source={source} />);
}

describe('Markdown', () => {
  it('renders markdown structure', () => {
    const html = render('## Complexity\n\n- **Time**: linear\n- `sum(xs)`');
    expect(html).toContain('<h2>Complexity</h2>');
    expect(html).toContain('<strong>Time</strong>');
    expect(html).toContain('<code>sum(xs)</code>');
  });

  it('renders inline math with KaTeX', () => {
    const html = render('The loop runs in $O(n^2)$ time.');
    expect(html).toContain('class="katex"');
    expect(html).toContain('<annotation encoding="application/x-tex">O(n^2)</annotation>');
    expect(html).not.toContain('$O(n^2)$');
  });

  it('renders display math as a block', () => {
    const html = render('$$\n\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\n$$');
    expect(html).toContain('katex-display');
    expect(html).toContain('\\frac{n(n+1)}{2}');
  });

  it('shows invalid math as an error instead of throwing', () => {
    expect(() => render('Broken: $\\frac{1}{$')).not.toThrow();
  });

  it('does not render raw HTML from the source', () => {
    const html = render('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\nText');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror');
    expect(html).toContain('Text');
  });

  it('drops javascript: links and keeps https links', () => {
    const html = render('[bad](javascript:alert(1)) [good](https://example.com/x)');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('href="https://example.com/x"');
  });

  it('blocks KaTeX commands that would need trust', () => {
    const html = render('$\\href{javascript:alert(1)}{x}$');
    expect(html).not.toContain('href="javascript');
  });
});

describe('safeUrl', () => {
  it('allows http(s), mailto and relative links only', () => {
    expect(safeUrl('https://a.test')).toBe('https://a.test');
    expect(safeUrl('mailto:a@b.test')).toBe('mailto:a@b.test');
    expect(safeUrl('/snippets/1')).toBe('/snippets/1');
    expect(safeUrl('data:text/html,hi')).toBe('');
    expect(safeUrl('vbscript:x')).toBe('');
  });
});
