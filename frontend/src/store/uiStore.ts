import { create } from 'zustand';

export const PANELS = ['output', 'analysis', 'library', 'search'] as const;
export type Panel = (typeof PANELS)[number];

export interface UiState {
  panel: Panel;
  saveDialogOpen: boolean;
  showPanel(panel: Panel): void;
  setSaveDialogOpen(open: boolean): void;
}

/** View state shared across components: which side panel is showing and whether Save is open. */
export const useUi = create<UiState>()((set) => ({
  panel: 'output',
  saveDialogOpen: false,
  showPanel: (panel) => set({ panel }),
  setSaveDialogOpen: (saveDialogOpen) => set({ saveDialogOpen }),
}));
