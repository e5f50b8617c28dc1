import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { configJsonSchema } from '../../../src/config/schema.js';

describe('config/mail-ingest.schema.json', () => {
  it('is the schema generated from the zod schema (run `npm run schema` after changing it)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../../config/mail-ingest.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(configJsonSchema());
  });

  it('rejects unknown keys for editors too', () => {
    const schema = configJsonSchema() as { additionalProperties?: unknown };
    expect(schema.additionalProperties).toBe(false);
  });
});
