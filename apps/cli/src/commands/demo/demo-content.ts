// What `demo seed` fills a demo tenant with: a small, believable support corpus (so search and the
// extractive assistant have something to find), a couple of conversations, and a week of usage.
// Fixed text and deterministic figures: two demos differ only by their names.

export interface DemoDocument {
  title: string;
  content: string;
  metadata: Record<string, unknown>;
}

export function demoDocuments(tenantName: string): DemoDocument[] {
  const doc = (title: string, content: string, topic: string): DemoDocument => ({ title, content, metadata: { demo: true, topic } });
  return [
    doc(
      'Getting started',
      `Welcome to ${tenantName}. Create your account, invite your team from the Members tab, and upload the documents your assistant should know. ` +
        'The assistant answers from these documents only and cites each one it used.',
      'onboarding',
    ),
    doc(
      'Shipping times',
      'Standard shipping takes three to five working days. Express shipping takes one working day for orders placed before noon. ' +
        'Every parcel ships with a tracking number sent by email.',
      'shipping',
    ),
    doc(
      'Refund policy',
      'You can return any unused item within 30 days for a full refund. Refunds reach the original payment method within five working days. ' +
        'Gift cards cannot be refunded.',
      'billing',
    ),
    doc(
      'Opening hours',
      'Our support desk is open Monday to Friday from 9:00 to 18:00, and Saturday from 10:00 to 14:00. ' +
        'Outside these hours the assistant answers and a person follows up the next morning.',
      'support',
    ),
    doc(
      'Warranty',
      'Every product carries a two-year warranty against manufacturing defects. The warranty does not cover accidental damage. ' +
        'To claim it, send the order number and a photo of the defect.',
      'support',
    ),
  ];
}

/** Two conversations, each a title and the questions its user asks (answered by the extractive provider). */
export const DEMO_CONVERSATIONS: ReadonlyArray<{ title: string; questions: string[] }> = [
  { title: 'Shipping and returns', questions: ['How long does express shipping take?', 'Can I get a refund for an unused item?'] },
  { title: 'Support questions', questions: ['When is the support desk open?', 'What does the warranty cover?'] },
];

/** Days of usage history (today included). */
export const DEMO_USAGE_DAYS = 7;

/**
 * A week of daily usage for the tenant at `index` (deterministic, well inside every plan's
 * monthly budget): [resource, quantity] per day, oldest first.
 */
export function demoUsage(index: number): Array<Array<[string, number]>> {
  return Array.from({ length: DEMO_USAGE_DAYS }, (_, day) => {
    const wave = ((day * 7 + index * 3) % 5) + 1; // 1..5, varies by day and tenant
    return [
      ['api_call', 120 + wave * 40 + index * 15],
      ['message', 8 + wave * 3],
      ['llm_token', 1500 + wave * 450 + index * 100],
      ['rag_query', 6 + wave * 2],
    ];
  });
}
