import { describe, expect, it } from 'vitest';
import { checkExposition } from './exposition.js';

// The checker is what the other metric tests trust instead of promtool, so it must reject bad text.
describe('exposition checker', () => {
  it('accepts well-formed text', () => {
    const text = [
      '# HELP x_total Things.',
      '# TYPE x_total counter',
      'x_total{a="1",b="q\\"\\\\\\n"} 3',
      '# HELP h Hist.',
      '# TYPE h histogram',
      'h_bucket{le="0.1"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 0.5e-1',
      'h_count 2',
      '# HELP g G.',
      '# TYPE g gauge',
      'g Nan',
      '',
    ].join('\n');
    const { errors, exposition } = checkExposition(text);
    expect(errors).toEqual([]);
    expect(exposition.samples[0]?.labels['b']).toBe('q"\\\n');
  });

  it.each([
    ['a sample without HELP/TYPE', 'y 1\n'],
    ['a malformed sample', '# HELP y Y.\n# TYPE y gauge\ny{a=1} 1\n'],
    ['a bad value', '# HELP y Y.\n# TYPE y gauge\ny one\n'],
    ['a counter without _total', '# HELP y Y.\n# TYPE y counter\ny 1\n'],
    ['a histogram without +Inf', '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['a missing final newline', '# HELP y Y.\n# TYPE y gauge\ny 1'],
    ['an unknown type', '# HELP y Y.\n# TYPE y meter\ny 1\n'],
  ])('rejects %s', (_what, text) => {
    expect(checkExposition(text).errors.length).toBeGreaterThan(0);
  });
});
