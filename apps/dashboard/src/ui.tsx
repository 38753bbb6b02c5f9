import { Alert, Badge, Center, Loader, Table } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError } from './api';

/** An error as the API worded it (its `message`, the status, and the details when given). */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const status = error instanceof ApiError && error.status ? ` (${error.status})` : '';
  const details = error instanceof ApiError && Array.isArray(error.details) ? error.details : [];
  return (
    <Alert color="red" title={`${title ?? 'The API refused'}${status}`} role="alert" my="sm">
      {(error as Error).message}
      {details.length > 0 && (
        <ul>
          {details.map((d, i) => (
            <li key={i}>{typeof d === 'string' ? d : JSON.stringify(d)}</li>
          ))}
        </ul>
      )}
    </Alert>
  );
}

/** While a page's or a tab's chunk loads. */
export function PageLoader() {
  return (
    <Center p="md">
      <Loader size="sm" aria-label="Loading" />
    </Center>
  );
}

/** What a query gives: a loader, the API's error, or the children. */
export function QueryState({ query, children }: { query: { isPending: boolean; error: unknown }; children: ReactNode }) {
  if (query.error) return <ErrorNote error={query.error} />;
  if (query.isPending)
    return (
      <Center p="md">
        <Loader size="sm" aria-label="Loading" />
      </Center>
    );
  return <>{children}</>;
}

const STATUS_COLORS: Record<string, string> = { active: 'green', provisioning: 'yellow', suspended: 'gray', failed: 'red' };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? 'blue'} variant="light" data-testid="status-badge" aria-label={`status: ${status}`}>
      {status}
    </Badge>
  );
}

export function when(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : '—';
}

/** A labelled table that scrolls sideways on narrow screens: its header cells, then the rows given as children. */
export function DataTable({
  label,
  minWidth,
  headers,
  children,
  striped,
  highlightOnHover,
}: {
  label: string;
  minWidth: number;
  headers: ReactNode[];
  children: ReactNode;
  striped?: boolean;
  highlightOnHover?: boolean;
}) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped={striped} highlightOnHover={highlightOnHover} aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {headers.map((h, i) => (
              <Table.Th key={i}>{h}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
