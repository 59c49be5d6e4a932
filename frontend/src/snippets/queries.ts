import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, describeError } from '../api/errors';
import type { Snippet, SnippetCreate, SnippetUpdate } from '../api/types';
import type { OpenSnippet } from '../store/persisted';
import { useServices } from '../ServicesContext';
import { useUi } from '../store/uiStore';

export const PAGE_SIZE = 10;

export const snippetKeys = {
  all: ['snippets'] as const,
  page: (offset: number) => ['snippets', 'page', offset] as const,
  search: (q: string, submission: number) => ['search', q, submission] as const,
  similar: (id: string) => ['similar', id] as const,
};

export function useSnippetPage(offset: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: snippetKeys.page(offset),
    queryFn: () => api.listSnippets(PAGE_SIZE, offset),
    placeholderData: (previous) => previous,
  });
}

/** Each submission of the search form runs the search again, even for the same text. */
export function useSearch(q: string, submission: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: snippetKeys.search(q, submission),
    queryFn: () => api.search(q),
    enabled: q.length >= 3,
    placeholderData: (previous) => previous,
  });
}

export function useSimilar(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: snippetKeys.similar(id), queryFn: () => api.similar(id) });
}

/** Invalidates every list that shows snippets after a write. */
function useInvalidateSnippets() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: snippetKeys.all }),
      queryClient.invalidateQueries({ queryKey: ['search'] }),
      queryClient.invalidateQueries({ queryKey: ['similar'] }),
    ]);
}

/** The workspace's record of a snippet as the server now holds it. */
function openedFrom(saved: Snippet): OpenSnippet {
  return { id: saved.id, title: saved.title ?? '', description: saved.description ?? '', savedCode: saved.code };
}

export function useCreateSnippet() {
  const { api, workspace } = useServices();
  const invalidate = useInvalidateSnippets();
  return useMutation({
    mutationFn: (snippet: SnippetCreate) => api.createSnippet(snippet),
    onSuccess: (saved) => {
      workspace.getState().setSnippet(openedFrom(saved));
      return invalidate();
    },
  });
}

export function useUpdateSnippet() {
  const { api, workspace } = useServices();
  const invalidate = useInvalidateSnippets();
  return useMutation({
    mutationFn: ({ id, update }: { id: string; update: SnippetUpdate }) => api.updateSnippet(id, update),
    onSuccess: (saved) => {
      if (workspace.getState().snippet?.id === saved.id) {
        workspace.getState().setSnippet(openedFrom(saved));
      }
      return invalidate();
    },
    onError: (error, { id }) => {
      // Deleted elsewhere: the editor's code is no longer that snippet's; Save makes a new one.
      if (error instanceof ApiError && error.status === 404 && workspace.getState().snippet?.id === id) {
        workspace.getState().setSnippet(null);
      }
    },
  });
}

export function useToggleStar() {
  const { api } = useServices();
  const invalidate = useInvalidateSnippets();
  return useMutation({ mutationFn: (id: string) => api.toggleStar(id), onSuccess: () => invalidate() });
}

export function useDeleteSnippet() {
  const { api, workspace } = useServices();
  const invalidate = useInvalidateSnippets();
  return useMutation({
    mutationFn: (id: string) => api.deleteSnippet(id),
    onSuccess: (result) => {
      if (workspace.getState().snippet?.id === result.id) workspace.getState().setSnippet(null);
      return invalidate();
    },
  });
}

/** Loads a snippet into the editor; tracks which id is loading and the last error. */
export function useOpenSnippet() {
  const { api, workspace } = useServices();
  const showPanel = useUi((state) => state.showPanel);
  const [loadingId, setLoadingId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function open(id: string) {
    setLoadingId(id);
    setError(null);
    try {
      const snippet = await api.getSnippet(id);
      workspace
        .getState()
        .openSnippet({ id: snippet.id, title: snippet.title ?? '', description: snippet.description ?? '' }, snippet.code);
      showPanel('output');
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setLoadingId(null);
    }
  }

  return { open, loadingId, error };
}
