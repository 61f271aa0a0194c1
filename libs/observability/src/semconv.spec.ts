import * as ours from './semconv';

describe('our copy of the incubating messaging conventions', () => {
  it('matches @opentelemetry/semantic-conventions/incubating constant for constant', () => {
    // Resolved through the package's exports map at run time (tsc's node10 resolution cannot see it).
    const upstream = require('@opentelemetry/semantic-conventions/incubating') as Record<string, unknown>;
    for (const [name, value] of Object.entries(ours)) expect([name, upstream[name]]).toEqual([name, value]);
  });
});
