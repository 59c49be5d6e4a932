import { describe, expect, it } from 'vitest';
import { useUi } from './uiStore';

describe('ui store', () => {
  it('switches panels and toggles the save dialog', () => {
    expect(useUi.getState().panel).toBe('output');
    useUi.getState().showPanel('search');
    useUi.getState().setSaveDialogOpen(true);
    expect(useUi.getState()).toMatchObject({ panel: 'search', saveDialogOpen: true });
  });
});
