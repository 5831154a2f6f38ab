import { describe, expect, it } from 'vitest';
import { UserEventLog } from '../../../src/membership/user-events.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('user events (Lamport-timed, de-duplicated)', () => {
  it('delivers an event once however often it arrives', () => {
    const log = new UserEventLog();
    const ev = new UserEventLog().create('deploy', bytes('v1'));
    expect(log.witness(ev)).toBe(true);
    expect(log.witness({ ...ev })).toBe(false);
    expect(log.witness({ ...ev, payload: bytes('v2') })).toBe(true);
  });

  it('orders our next event after every event we have seen (Lamport clock)', () => {
    const a = new UserEventLog();
    const b = new UserEventLog();
    for (let i = 0; i < 5; i++) a.create('x', bytes(String(i)));
    const fromA = a.create('x', bytes('last'));
    expect(fromA.ltime).toBe(6);
    b.witness(fromA);
    expect(b.create('y', bytes('')).ltime).toBe(7);
  });

  it('forgets the oldest events beyond its capacity, so memory stays bounded', () => {
    const log = new UserEventLog(2);
    const src = new UserEventLog();
    const [e1, e2, e3] = [src.create('a', bytes('')), src.create('a', bytes('')), src.create('a', bytes(''))];
    expect([log.witness(e1), log.witness(e2), log.witness(e3)]).toEqual([true, true, true]);
    expect(log.witness(e3)).toBe(false);
    expect(log.witness(e1)).toBe(true); // forgotten: redelivered (at-least-once)
  });
});
