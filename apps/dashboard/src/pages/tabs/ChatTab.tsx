import { Box, Button, Group, Paper, ScrollArea, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQueries } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, streamPost } from '../../api';
import { ErrorNote } from '../../ui';
import type { TabProps } from '../TenantPage';

interface Line {
  role: 'user' | 'assistant';
  content: string;
  /** The documents the stored answer cites (its `citations`). */
  sources?: string[];
}

/** The text a streamed event adds: `{delta}` / `{content}` / `{text}` chunks, or a final `assistant_message` (with its citations). */
export function chunkOf(data: string): { delta?: string; final?: string; sources?: string[] } {
  try {
    const body = JSON.parse(data) as Record<string, unknown>;
    const message = body.assistant_message as { content?: string; citations?: Array<{ document_id?: unknown }> } | undefined;
    const final = message?.content;
    if (typeof final === 'string') {
      const sources = (message?.citations ?? []).map((c) => c.document_id).filter((id): id is string => typeof id === 'string');
      return { final, sources };
    }
    for (const key of ['delta', 'content', 'text', 'token']) if (typeof body[key] === 'string') return { delta: body[key] as string };
    return {};
  } catch {
    return data === '[DONE]' ? {} : { delta: data };
  }
}

/** The titles of the documents an answer cites. */
function Sources({ tenantId, ids }: { tenantId: string; ids: string[] }) {
  const docs = useQueries({
    queries: ids.map((id) => ({
      queryKey: ['document', tenantId, id],
      queryFn: () => api<{ id: string; title: string }>('GET', `/api/v1/corpus/documents/${id}`, { tenant: tenantId }),
      staleTime: 60_000,
    })),
  });
  if (ids.length === 0) return null;
  return (
    <Text size="xs" c="dimmed" mt={2} data-testid="chat-sources">
      Sources: {docs.map((d, i) => d.data?.title ?? (d.error ? `(document ${ids[i]!.slice(0, 8)} is gone)` : '…')).join(' · ')}
    </Text>
  );
}

export function ChatTab({ tenant }: TabProps) {
  const [session, setSession] = useState<string | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [input, setInput] = useState('');
  const send = useMutation({
    mutationFn: async (content: string) => {
      let id = session;
      if (!id) {
        id = (await api<{ id: string }>('POST', '/api/v1/chat/sessions', { tenant: tenant.id, body: {} })).id;
        setSession(id);
      }
      setLines((l) => [...l, { role: 'user', content }, { role: 'assistant', content: '' }]);
      await streamPost(`/api/v1/chat/sessions/${id}/messages`, { tenant: tenant.id, body: { content } }, (event, data) => {
        // A failure after the first piece: the error shape as an `error` event (nothing was stored).
        if (event === 'error') {
          const body = JSON.parse(data) as { statusCode?: number; message?: string };
          throw new ApiError(body.statusCode ?? 502, body.message ?? 'The answer was cut off');
        }
        const { delta, final, sources } = chunkOf(data);
        if (delta === undefined && final === undefined) return;
        setLines((l) => {
          const last = l[l.length - 1]!;
          return [...l.slice(0, -1), { ...last, content: final ?? last.content + delta, ...(sources ? { sources } : {}) }];
        });
      });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const content = input.trim();
    if (!content) return;
    setInput('');
    send.mutate(content);
  };
  return (
    <Stack>
      <Paper withBorder p="sm">
        <ScrollArea h={320} aria-live="polite" role="log" aria-label="Conversation">
          {lines.length === 0 && <Text c="dimmed">Ask the assistant something about this tenant's corpus.</Text>}
          {lines.map((line, i) => (
            <Box key={i} my={6} ta={line.role === 'user' ? 'right' : 'left'}>
              <Text
                span
                px="sm"
                py={6}
                display="inline-block"
                bg={line.role === 'user' ? 'indigo.1' : 'gray.1'}
                style={{ borderRadius: 12, whiteSpace: 'pre-wrap', maxWidth: '85%' }}
                data-testid={`chat-${line.role}`}
              >
                {line.content || '…'}
              </Text>
              {line.sources && <Sources tenantId={tenant.id} ids={line.sources} />}
            </Box>
          ))}
        </ScrollArea>
      </Paper>
      <ErrorNote error={send.error} title="The assistant could not answer" />
      <form onSubmit={submit} aria-label="Send a message">
        <Group align="end">
          <Textarea
            label="Message"
            autosize
            minRows={1}
            style={{ flex: 1 }}
            value={input}
            onChange={(e) => setInput(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) submit(e);
            }}
          />
          <Button type="submit" loading={send.isPending}>
            Send
          </Button>
        </Group>
      </form>
    </Stack>
  );
}
