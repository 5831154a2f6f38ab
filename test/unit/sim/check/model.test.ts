import { describe, expect, it } from 'vitest';
import { kvModel, registerModel } from '../../../../src/sim/check/model.js';

const returned = <T>(value: T) => ({ kind: 'returned', value }) as const;
const unknown = { kind: 'unknown' } as const;

describe('registerModel', () => {
  it('starts empty: a read returns null', () => {
    expect(
      registerModel.step(registerModel.init(), { op: 'read' }, returned({ op: 'read', value: null })),
    ).toEqual({
      ok: true,
      state: null,
    });
  });

  it('a write sets the value whether or not its reply was seen', () => {
    expect(registerModel.step(null, { op: 'write', value: 'a' }, returned({ op: 'write' }))).toEqual({
      ok: true,
      state: 'a',
    });
    expect(registerModel.step('b', { op: 'write', value: 'a' }, unknown)).toEqual({ ok: true, state: 'a' });
  });

  it('a delete empties the register: a read after it returns null, not the old value', () => {
    const after = registerModel.step('a', { op: 'delete' }, returned({ op: 'delete' }));
    expect(after).toEqual({ ok: true, state: null });
    expect(registerModel.step(null, { op: 'read' }, returned({ op: 'read', value: 'a' })).ok).toBe(false);
    expect(kvModel.step('a', { op: 'delete', key: 'k' }, unknown)).toEqual({ ok: true, state: null });
  });

  it('a read must return the current value; an unknown read accepts anything', () => {
    expect(registerModel.step('a', { op: 'read' }, returned({ op: 'read', value: 'a' })).ok).toBe(true);
    expect(registerModel.step('a', { op: 'read' }, returned({ op: 'read', value: 'b' })).ok).toBe(false);
    expect(registerModel.step('a', { op: 'read' }, returned({ op: 'read', value: null })).ok).toBe(false);
    expect(registerModel.step('a', { op: 'read' }, unknown)).toEqual({ ok: true, state: 'a' });
  });

  it('describes operations for failure messages', () => {
    expect(registerModel.describeOperation?.({ op: 'write', value: 'a' }, returned({ op: 'write' }))).toBe(
      'write("a") → ok',
    );
    expect(registerModel.describeOperation?.({ op: 'read' }, unknown)).toBe('read() → ?');
    expect(kvModel.describeOperation?.({ op: 'read', key: 'k' }, returned({ op: 'read', value: null }))).toBe(
      'read("k") → null',
    );
  });
});

describe('kvModel', () => {
  it('is a register per key once partitioned', () => {
    expect(kvModel.step(null, { op: 'write', key: 'k', value: 'v' }, returned({ op: 'write' }))).toEqual({
      ok: true,
      state: 'v',
    });
    expect(kvModel.step('v', { op: 'read', key: 'k' }, returned({ op: 'read', value: 'v' })).ok).toBe(true);
  });
});
