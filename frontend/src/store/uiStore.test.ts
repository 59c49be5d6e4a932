import { afterEach, describe, expect, it, vi } from 'vitest';
import { FLASH_MS, useUi } from './uiStore';

afterEach(() => {
  vi.useRealTimers();
});

describe('ui store', () => {
  it('switches panels and toggles the save dialog', () => {
    expect(useUi.getState().panel).toBe('output');
    useUi.getState().showPanel('search');
    useUi.getState().setSaveDialogOpen(true);
    expect(useUi.getState()).toMatchObject({ panel: 'search', saveDialogOpen: true });
  });

  it('shows a confirmation for a while, and a newer one for its full time', async () => {
    vi.useFakeTimers();
    useUi.getState().showFlash('Saved “a”');
    await vi.advanceTimersByTimeAsync(FLASH_MS - 1000);
    useUi.getState().showFlash('Saved “b”');
    await vi.advanceTimersByTimeAsync(FLASH_MS - 1);
    expect(useUi.getState().flash).toBe('Saved “b”');
    await vi.advanceTimersByTimeAsync(1);
    expect(useUi.getState().flash).toBeNull();
  });
});
