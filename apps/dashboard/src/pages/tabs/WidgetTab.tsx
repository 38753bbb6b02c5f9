import { Alert, Button, Code, CopyButton, Group, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { ErrorNote } from '../../ui';
import type { ApiKey } from './KeysTab';
import type { TabProps } from '../TenantPage';

/**
 * The embeddable chat widget: a publishable widget key (conversations:write on this tenant only,
 * honoured only from the origins in settings.widget.allowed_origins) and the script tag to paste.
 */
export function WidgetTab({ tenant }: TabProps) {
  const client = useQueryClient();
  const [name, setName] = useState('Website widget');
  const origins = ((tenant.settings.widget as { allowed_origins?: string[] } | undefined)?.allowed_origins ?? []).join('\n');
  const create = useMutation({
    mutationFn: () =>
      api<ApiKey & { key: string }>('POST', `/api/tenants/${tenant.id}/api-keys`, {
        body: { name, kind: 'widget', scopes: ['conversations:write'] },
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['api-keys', tenant.id] }),
  });
  const snippet = `<script src="${window.location.origin}/widget.js" data-key="${create.data?.key ?? 'tnt_pk_…'}" async></script>`;
  return (
    <Stack>
      <Text>
        The widget answers visitors of your own site with this tenant's assistant, in its branding. Its key is public: it can only start
        conversations in this tenant, and only from the allowed origins (set them under Settings).
      </Text>
      <Textarea label="Allowed origins (from Settings)" value={origins || '(none: every origin is refused)'} readOnly autosize />
      <Group align="end">
        <TextInput label="Widget key name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Button onClick={() => create.mutate()} loading={create.isPending}>
          Create widget key
        </Button>
      </Group>
      <ErrorNote error={create.error} title="Could not create the widget key" />
      <Alert title="Snippet to paste before </body>" color="indigo">
        <Group wrap="nowrap" align="start">
          <Code block style={{ flex: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="widget-snippet">
            {snippet}
          </Code>
          <CopyButton value={snippet}>
            {({ copied, copy }) => (
              <Button size="xs" variant="light" onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Alert>
    </Stack>
  );
}
