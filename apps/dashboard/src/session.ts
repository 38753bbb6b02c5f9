import { useQuery } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { api, getToken, onTokenChange, type Me, type User } from './api';

export function useToken(): string | null {
  return useSyncExternalStore(onTokenChange, getToken);
}

interface MeAnswer {
  user: User;
  memberships: NonNullable<Me['memberships']>;
}

/** The signed-in caller (GET /api/v1/auth/me), while there is a token. */
export function useMe() {
  const token = useToken();
  return useQuery({
    queryKey: ['me', token],
    queryFn: () => api<MeAnswer>('GET', '/api/v1/auth/me'),
    enabled: Boolean(token),
    staleTime: 30_000,
  });
}
