import { Button, Group, Paper, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { ErrorNote, QueryState, when } from '../ui';

interface Template {
  id: string;
  name: string;
  description?: string | null;
  parent_id?: string | null;
  documents?: unknown[];
  document_count?: number;
  created_at?: string;
}

/** Reusable base corpora (platform or parent admins): list and create. */
export function TemplatesPage() {
  const client = useQueryClient();
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api<{ templates: Template[] }>('GET', '/api/templates', { query: { limit: 100 } }) });
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [docTitle, setDocTitle] = useState('');
  const [docContent, setDocContent] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api<Template>('POST', '/api/templates', {
        body: { name, description: description || undefined, documents: docTitle ? [{ title: docTitle, content: docContent }] : [] },
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['templates'] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/templates/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['templates'] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Stack>
      <Title order={2}>Templates</Title>
      <Paper withBorder p="md" maw={640}>
        <form onSubmit={submit} aria-label="Create a template">
          <Stack gap="xs">
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
            <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
            <TextInput label="First document title" value={docTitle} onChange={(e) => setDocTitle(e.currentTarget.value)} />
            <Textarea label="First document content" autosize minRows={2} value={docContent} onChange={(e) => setDocContent(e.currentTarget.value)} />
            <ErrorNote error={create.error} title="Could not create the template" />
            <Group>
              <Button type="submit" loading={create.isPending}>
                Create template
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <ErrorNote error={remove.error} />
      <QueryState query={templates}>
        {templates.data?.templates.length ? (
          <Table aria-label="Templates">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Description</Table.Th>
                <Table.Th>Documents</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {templates.data.templates.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{t.description ?? '—'}</Table.Td>
                  <Table.Td>{t.document_count ?? t.documents?.length ?? '—'}</Table.Td>
                  <Table.Td>{when(t.created_at)}</Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" color="red" variant="subtle" onClick={() => remove.mutate(t.id)} aria-label={`Delete template ${t.name}`}>
                      Delete
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : (
          <Text c="dimmed">No templates.</Text>
        )}
      </QueryState>
    </Stack>
  );
}
