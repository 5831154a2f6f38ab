import { describe, expect, it } from 'vitest';
import { deleteWrite } from '../../../src/coordinator/delete-core.js';
import { join, newSet, update, values } from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { bytesValue, isDeleted, TOMBSTONE } from '../../../src/versioning/versioned-value.js';

describe('delete', () => {
  const x = replicaId('x');

  it('a delete with the read context supersedes exactly what was read', () => {
    const stored = update(newSet(bytesValue(new Uint8Array([1]))), undefined, x);
    const after = update(deleteWrite(join(stored)), stored, x);
    expect(values(after)).toEqual([TOMBSTONE]);
    expect(isDeleted(after)).toBe(true);
  });

  it('a delete without context stays a sibling of the value it did not see', () => {
    const stored = update(newSet(bytesValue(new Uint8Array([1]))), undefined, x);
    const after = update(deleteWrite([]), stored, x);
    expect(values(after)).toHaveLength(2);
    expect(isDeleted(after)).toBe(false);
  });
});
