import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Services } from './services';
import type { AuthState } from './store/authStore';
import type { WorkspaceState } from './store/workspaceStore';

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesContext');
  return services;
}

export function useAuth<T>(selector: (state: AuthState) => T): T {
  return useStore(useServices().auth, selector);
}

export function useWorkspace<T>(selector: (state: WorkspaceState) => T): T {
  return useStore(useServices().workspace, selector);
}
