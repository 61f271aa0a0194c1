import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.infra', 'e2e/artifacts', 'apps/care-dashboard/dist'] },
  {
    files: ['**/*.ts'],
    rules: {
      // Dependencies point one way (DESIGN.md "Shape"): apps -> libs, libs never -> apps,
      // and contracts / risk-engine import nothing of ours.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          banTransitiveDependencies: false,
          // libs/testing builds its Kafka helpers on libs/messaging, whose own integration tests use them.
          ignoredCircularDependencies: [['messaging', 'testing']],
          depConstraints: [
            { sourceTag: 'scope:isolated', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // kafkajs has had no release since 2023: it stays behind libs/messaging so a maintained client
    // with the same API shape can replace it in one place (DESIGN.md "Shape").
    files: ['**/*.ts'],
    ignores: ['libs/messaging/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'kafkajs', message: 'Use @vigil/messaging; kafkajs lives only in libs/messaging.' }] }],
    },
  },
  { files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
];
