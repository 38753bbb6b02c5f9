import { describe, expect, it } from 'vitest';
import { embeddingsProviderOf, normalize } from './embeddings.client.js';
import { toHighlightHtml } from './passages.repository.js';

describe('embeddingsProviderOf', () => {
  it('reads base_url and model, and fingerprints them (a trailing slash does not count)', () => {
    expect(embeddingsProviderOf({ embeddings: { base_url: 'http://h:1/v1/', model: 'm', api_key: { $enc: 'x' } } })).toEqual({
      baseUrl: 'http://h:1/v1',
      model: 'm',
      fingerprint: 'http://h:1/v1#m',
    });
    expect(embeddingsProviderOf({})).toBeNull();
    expect(embeddingsProviderOf({ embeddings: { base_url: 'http://h' } })).toBeNull();
    expect(embeddingsProviderOf({ embeddings: 'x' })).toBeNull();
  });
});

describe('normalize', () => {
  it('scales to unit length and leaves a zero vector alone', () => {
    expect(normalize([3, 4])).toEqual([0.6, 0.8]);
    expect(normalize([0, 0])).toEqual([0, 0]);
  });
});

describe('toHighlightHtml', () => {
  it('escapes everything and turns only the headline markers into <mark>', () => {
    expect(toHighlightHtml('a \u0002b\u0003 <i>"c"</i> & \'d\'')).toBe('a <mark>b</mark> &#60;i&#62;&#34;c&#34;&#60;/i&#62; &#38; &#39;d&#39;');
    // A literal "<mark>" in the text stays text.
    expect(toHighlightHtml('<mark>x</mark>')).toBe('&#60;mark&#62;x&#60;/mark&#62;');
  });
});
