import { create } from 'zustand';

export const PANELS = ['output', 'analysis', 'library', 'search'] as const;
export type Panel = (typeof PANELS)[number];

/** How long a confirmation stays on screen. */
export const FLASH_MS = 4000;

export interface UiState {
  panel: Panel;
  saveDialogOpen: boolean;
  /** A short confirmation ("Saved …"), shown for `FLASH_MS`. */
  flash: string | null;
  showPanel(panel: Panel): void;
  setSaveDialogOpen(open: boolean): void;
  showFlash(message: string): void;
}

let flashTimer: ReturnType<typeof setTimeout> | null = null;

/** View state shared across components: the side panel showing, whether Save is open, confirmations. */
export const useUi = create<UiState>()((set) => ({
  panel: 'output',
  saveDialogOpen: false,
  flash: null,
  showPanel: (panel) => set({ panel }),
  setSaveDialogOpen: (saveDialogOpen) => set({ saveDialogOpen }),
  showFlash: (flash) => {
    if (flashTimer !== null) clearTimeout(flashTimer);
    set({ flash });
    flashTimer = setTimeout(() => {
      flashTimer = null;
      set({ flash: null });
    }, FLASH_MS);
  },
}));
