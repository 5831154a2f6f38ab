import { describe, expect, it } from 'vitest';
import { join, newSet, newWithContext, update, values } from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { bytesValue, isDeleted, TOMBSTONE } from '../../../src/versioning/versioned-value.js';

// A delete is a put of a tombstone with the client's context (DESIGN.md §7, riak_kv_delete): the coordinator
// writes `newWithContext(context, TOMBSTONE)` through the put path like any value (put-fsm).
describe('tombstones', () => {
  const x = replicaId('x');

  it('a delete with the read context supersedes exactly what was read', () => {
    const stored = update(newSet(bytesValue(new Uint8Array([1]))), undefined, x);
    const after = update(newWithContext(join(stored), TOMBSTONE), stored, x);
    expect(values(after)).toEqual([TOMBSTONE]);
    expect(isDeleted(after)).toBe(true);
  });

  it('a delete without context stays a sibling of the value it did not see', () => {
    const stored = update(newSet(bytesValue(new Uint8Array([1]))), undefined, x);
    const after = update(newWithContext([], TOMBSTONE), stored, x);
    expect(values(after)).toHaveLength(2);
    expect(isDeleted(after)).toBe(false);
  });
});
