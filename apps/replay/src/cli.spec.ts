import { COMMANDS } from './cli';
import { runReplay } from './test/io';

describe('replay CLI (no servers)', () => {
  it.each(COMMANDS.map((c) => [c.spec.name, c.spec] as const))('%s --help prints its usage, every option and the exit codes (exit 0)', async (name, spec) => {
    const r = await runReplay([name, '--help', '--from', 'not-even-checked']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Usage: replay ${name} [options]`);
    for (const o of spec.options) {
      if (o.hidden) expect(r.stdout).not.toContain(`--${o.name} `);
      else expect(r.stdout).toContain(`--${o.name}`);
    }
    expect(r.stdout).toContain('--progress');
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 refused');
    const h = await runReplay(['help', name]);
    expect(h.code).toBe(0);
    expect(h.stdout).toBe(r.stdout);
    expect((await runReplay([name, '-h'])).stdout).toBe(r.stdout);
  });

  it('lists the commands with --help (0) and without a command (2)', async () => {
    expect((await runReplay(['--help'])).stdout).toMatch(/export[\s\S]*rescore[\s\S]*compare[\s\S]*republish[\s\S]*reset-group/);
    const none = await runReplay([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: replay <command>');
  });

  it('an unknown option exits 2 naming it (before any missing required option), with a suggestion', async () => {
    const r = await runReplay(['export', '--form', '2026-01-01', '--to', '2026-01-02']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--form'");
    expect(r.stderr).toContain('Did you mean --from?');
    expect(r.stderr).toContain('(replay export --help for usage)');
    expect(r.stdout).toBe('');
  });

  it.each(COMMANDS.map((c) => [c.spec.name, c.spec.options.filter((o) => o.required).map((o) => o.name)] as const))(
    '%s without its required options exits 2 naming the first missing one',
    async (name, required) => {
      expect(required.length).toBeGreaterThan(0);
      const r = await runReplay([name, '--progress', 'none']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`required option '[^']*--${required[0]} <[^']*>' not specified`));
    },
  );

  it.each([
    [['nope'], /unknown command 'nope'/],
    [['help', 'nope'], /unknown command 'nope'/],
    [['export', '--bogus', '--from', '2026-01-01', '--to', '2026-01-02'], /unknown option '--bogus'/],
    [['export', 'extra', '--from', '2026-01-01', '--to', '2026-01-02'], /too many arguments for 'export'/],
    [['export', '--from', '2026-01-01'], /required option '--to <ISO>' not specified/],
    [['export', '--from', '', '--to', '2026-01-02'], /--from needs a value/],
    [['rescore', '--progress', 'fancy'], /argument 'fancy' is invalid\. Allowed choices are auto, bar, lines, none/],
    [['export', '--from', 'yesterday', '--to', '2026-01-02'], /--from must be a date/],
    [['export', '--from', '2026-01-02', '--to', '2026-01-01'], /--to must be after --from/],
    [['export', '--from', '2026-01-01T00:00:00', '--to', '2026-01-02'], /--from must be a date/],
    [['export', '--stream', 'vitals', '--from', '2026-01-01', '--to', '2026-01-02'], /'vitals' is invalid\. Allowed choices are checkins, scores, alerts/],
    [['export', '--stream', 'alerts', '--source', 'archive', '--from', '2026-01-01', '--to', '2026-01-02'], /archive holds check-ins only/],
    [['rescore', '--model', 'v3', '--from', '2026-01-01', '--to', '2026-01-02', '--out', '/tmp/x'], /'v3' is invalid\. Allowed choices are static-v0, v1, v2/],
    [['rescore', '--model', 'v1', '--from', '2026-01-01', '--to', '2026-01-02', '--out', '/tmp/x', '--warmup', 'long'], /--warmup must be a duration/],
    [['compare', '--a', 'v1', '--b', 'v1', '--from', '2026-01-01', '--to', '2026-01-02', '--out', '/tmp/x'], /must be different/],
    [['republish', '--to-topic', 'sandbox.x', '--rate', 'fast', '--from', '2026-01-01', '--to', '2026-01-02'], /--rate must be a number/],
    [['republish', '--to-topic', 'sandbox.x'], /give --from and --to, or --input/],
    [['reset-group', '--group', 'g', '--to-time', 'now'], /--to-time must be a date/],
  ])('usage error %j exits 2 with a message', async (argv, message) => {
    const r = await runReplay(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });

  it('a bad setting in the environment is a usage error naming it', async () => {
    const r = await runReplay(['export', '--from', '2026-01-01', '--to', '2026-01-02'], { CASSANDRA_KEYSPACE: 'Bad-Name' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CASSANDRA_KEYSPACE');
  });

  it.each(['checkins.v1', 'alerts.v1.dlq', 'audit.v1', 't-x.checkins.v1'])(
    'republish refuses the production topic %s (exit 3) before touching Kafka',
    async (topic) => {
      const r = await runReplay(['republish', '--to-topic', topic, '--from', '2026-01-01', '--to', '2026-01-02'], {
        TOPIC_PREFIX: 't-x.',
        KAFKA_BROKERS: '127.0.0.1:1',
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('production topic name');
    },
  );
});
