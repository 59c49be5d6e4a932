import ReactMarkdown, { defaultUrlTransform } from 'react-markdown';
import rehypeKatex from 'rehype-katex';
import remarkMath from 'remark-math';
import 'katex/dist/katex.min.css';

const SAFE_PROTOCOL = /^(https?:|mailto:|#|\/)/i;

/** Keeps only http(s), mailto and relative links; anything else (javascript:, data:) is dropped. */
export function safeUrl(url: string): string {
  const transformed = defaultUrlTransform(url);
  return SAFE_PROTOCOL.test(transformed) ? transformed : '';
}

/**
 * Renders untrusted markdown (an LLM's narrative) with `$…$` / `$$…$$` math through KaTeX.
 * Raw HTML in the source is not rendered (react-markdown escapes it; no rehype-raw), and KaTeX
 * runs with `trust: false`, so the output holds no script, handler or unsafe link.
 */
export function Markdown({ source }: { source: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={[remarkMath]}
        rehypePlugins={[[rehypeKatex, { throwOnError: false, trust: false, strict: 'ignore' }]]}
        urlTransform={safeUrl}
        skipHtml
      >
        {source}
      </ReactMarkdown>
    </div>
  );
}
