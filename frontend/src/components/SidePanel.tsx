import { useRef, type KeyboardEvent } from 'react';
import { LibraryPanel } from '../snippets/LibraryPanel';
import { SearchPanel } from '../snippets/SearchPanel';
import { PANELS, useUi, type Panel } from '../store/uiStore';
import { AnalysisPanel } from './AnalysisPanel';
import { OutputPanel } from './OutputPanel';

const LABELS: Record<Panel, string> = { output: 'Output', analysis: 'Analysis', library: 'Library', search: 'Search' };

function PanelContent({ panel }: { panel: Panel }) {
  switch (panel) {
    case 'output':
      return <OutputPanel />;
    case 'analysis':
      return <AnalysisPanel />;
    case 'library':
      return <LibraryPanel />;
    case 'search':
      return <SearchPanel />;
  }
}

/** Tabs over the output, analysis, library and search panels (WAI-ARIA tabs, arrow keys move). */
export function SidePanel() {
  const panel = useUi((state) => state.panel);
  const showPanel = useUi((state) => state.showPanel);
  const tabs = useRef<Partial<Record<Panel, HTMLButtonElement | null>>>({});

  function onKeyDown(event: KeyboardEvent) {
    const index = PANELS.indexOf(panel);
    const moves: Record<string, number> = {
      ArrowRight: (index + 1) % PANELS.length,
      ArrowLeft: (index - 1 + PANELS.length) % PANELS.length,
      Home: 0,
      End: PANELS.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = PANELS[target] ?? 'output';
    showPanel(next);
    tabs.current[next]?.focus();
  }

  return (
    <section className="side-panel" aria-label="Results and snippets">
      <div className="tabs" role="tablist" aria-label="Panels" onKeyDown={onKeyDown}>
        {PANELS.map((name) => (
          <button
            key={name}
            ref={(element) => {
              tabs.current[name] = element;
            }}
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={panel === name}
            aria-controls={`panel-${name}`}
            tabIndex={panel === name ? 0 : -1}
            onClick={() => showPanel(name)}
          >
            {LABELS[name]}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id={`panel-${panel}`} aria-labelledby={`tab-${panel}`} tabIndex={0}>
        <PanelContent panel={panel} />
      </div>
    </section>
  );
}
