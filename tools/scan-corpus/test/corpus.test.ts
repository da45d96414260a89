import { SECRET_FORMATS } from '@baton/core/settings';
import { describe, expect, it } from 'vitest';
import { FAKE_KEYS, makeCorpus, seededRandom } from '../src/index.js';

describe('the corpus', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(makeCorpus({ seed: 5, perKind: 2 })).toEqual(makeCorpus({ seed: 5, perKind: 2 }));
    expect(makeCorpus({ seed: 6, perKind: 2 })).not.toEqual(makeCorpus({ seed: 5, perKind: 2 }));
  });

  it('labels every case and lists the secret values of positives only', () => {
    for (const item of makeCorpus({ perKind: 3 })) {
      expect(item.path.startsWith(`${item.id}/`)).toBe(true);
      if (item.secret) expect(item.values.length).toBeGreaterThan(0);
      else expect(item.values).toEqual([]);
      for (const value of item.values) {
        // A key in a JSON file is written with its newlines escaped.
        const escaped = JSON.stringify(value).slice(1, -1);
        expect(item.content.includes(value) || item.content.includes(escaped)).toBe(true);
      }
    }
  });
});

describe('fake keys', () => {
  const random = seededRandom(3);
  it.each([
    ['anthropic', FAKE_KEYS.anthropic],
    ['openai', FAKE_KEYS.openaiProject],
    ['stripe', FAKE_KEYS.stripeLive],
    ['github', FAKE_KEYS.githubClassic],
    ['slack', FAKE_KEYS.slackBot],
    ['aws-access-key-id', FAKE_KEYS.awsAccessKeyId],
  ] as const)('have the shape @baton/core checks for %s keys', (format, make) => {
    expect(SECRET_FORMATS[format].pattern.test(make(random))).toBe(true);
  });
});
