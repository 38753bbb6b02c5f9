import { Button, FileInput, Group, Mark, Paper, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Page } from '../../api';
import { DataTable, ErrorNote, QueryState, when } from '../../ui';
import type { TabProps } from '../TenantPage';

interface Doc {
  id: string;
  title: string;
  content?: string;
  created_at: string;
  updated_at?: string;
}

/** The first place the text names a search word, with the words marked. */
function Snippet({ text, q }: { text: string; q: string }) {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const lower = text.toLowerCase();
  const at = Math.max(0, Math.min(...words.map((w) => lower.indexOf(w)).filter((i) => i >= 0), text.length) - 40);
  const cut = text.slice(at, at + 200);
  if (words.length === 0) return <>{cut}</>;
  const pattern = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'ig');
  return <>{cut.split(pattern).map((part, i) => (i % 2 === 1 ? <Mark key={i}>{part}</Mark> : part))}</>;
}

export function CorpusTab({ tenant }: TabProps) {
  const client = useQueryClient();
  const [draftQ, setDraftQ] = useState('');
  const [q, setQ] = useState('');
  const docs = useQuery({
    queryKey: ['documents', tenant.id, q],
    queryFn: () => api<Page & { documents: Doc[] }>('GET', '/api/v1/corpus/documents', { tenant: tenant.id, query: { q: q || undefined, limit: 50 } }),
    enabled: tenant.status === 'active',
  });
  const refresh = () => client.invalidateQueries({ queryKey: ['documents', tenant.id] });
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const add = useMutation({
    mutationFn: () => api<Doc>('POST', '/api/v1/corpus/documents', { tenant: tenant.id, body: { title, content } }),
    onSuccess: () => {
      setTitle('');
      setContent('');
      return refresh();
    },
  });
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({
    mutationFn: () => {
      const form = new FormData();
      form.append('file', file!);
      return api<{ document_id: string }>('POST', '/api/v1/corpus/files', { tenant: tenant.id, body: form });
    },
    onSuccess: () => {
      setFile(null);
      return refresh();
    },
  });
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api<{ templates: Array<{ id: string; name: string }> }>('GET', '/api/templates', { query: { limit: 100 } }) });
  const [template, setTemplate] = useState<string | null>(null);
  const apply = useMutation({
    mutationFn: () => api('POST', `/api/tenants/${tenant.id}/corpus/apply-template`, { body: { template_id: template } }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/v1/corpus/documents/${id}`, { tenant: tenant.id }),
    onSuccess: refresh,
  });
  if (tenant.status !== 'active') return <Text>The corpus opens once the tenant is active (now: {tenant.status}).</Text>;
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        <Paper withBorder p="sm">
          <form
            aria-label="Add a document"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              add.mutate();
            }}
          >
            <Stack gap="xs">
              <Title order={3} size="h5">
                Add a document
              </Title>
              <TextInput label="Title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
              <Textarea label="Content" required autosize minRows={3} value={content} onChange={(e) => setContent(e.currentTarget.value)} />
              <ErrorNote error={add.error} />
              <Button type="submit" loading={add.isPending}>
                Add document
              </Button>
            </Stack>
          </form>
        </Paper>
        <Paper withBorder p="sm">
          <form
            aria-label="Upload a file"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              if (file) upload.mutate();
            }}
          >
            <Stack gap="xs">
              <Title order={3} size="h5">
                Upload a file
              </Title>
              <FileInput label="File (txt, md, html, pdf)" accept=".txt,.md,.html,.htm,.pdf" value={file} onChange={setFile} clearable />
              <ErrorNote error={upload.error} title="Upload refused" />
              <Button type="submit" disabled={!file} loading={upload.isPending}>
                Upload
              </Button>
            </Stack>
          </form>
        </Paper>
        <Paper withBorder p="sm">
          <form
            aria-label="Apply a template"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              if (template) apply.mutate();
            }}
          >
            <Stack gap="xs">
              <Title order={3} size="h5">
                Apply a template
              </Title>
              <Select label="Template" data={(templates.data?.templates ?? []).map((t) => ({ value: t.id, label: t.name }))} value={template} onChange={setTemplate} />
              <ErrorNote error={templates.error ?? apply.error} title="Templates" />
              <Button type="submit" disabled={!template} loading={apply.isPending}>
                Apply
              </Button>
            </Stack>
          </form>
        </Paper>
      </SimpleGrid>
      <form
        role="search"
        aria-label="Search documents"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          setQ(draftQ.trim());
        }}
      >
        <Group align="end">
          <TextInput label="Search the corpus" value={draftQ} onChange={(e) => setDraftQ(e.currentTarget.value)} miw={260} />
          <Button type="submit" variant="light">
            Search
          </Button>
        </Group>
      </form>
      <ErrorNote error={remove.error} />
      <QueryState query={docs}>
        <Text size="sm" c="dimmed" role="status">
          {docs.data?.total ?? 0} document(s){q ? ` matching “${q}”` : ''}
        </Text>
        <DataTable label="Documents" minWidth={560} headers={['Title', 'Excerpt', 'Added', 'Actions']}>
          {docs.data?.documents.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>{d.title}</Table.Td>
              <Table.Td>
                <Snippet text={d.content ?? ''} q={q} />
              </Table.Td>
              <Table.Td>{when(d.created_at)}</Table.Td>
              <Table.Td>
                <Button size="compact-xs" color="red" variant="subtle" onClick={() => remove.mutate(d.id)} aria-label={`Delete ${d.title}`}>
                  Delete
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </DataTable>
      </QueryState>
    </Stack>
  );
}
