// ESLint flat config: @eslint/js recommended + typescript-eslint strict (syntax-based, no type information, so a
// whole-tree run stays fast). Formatting is prettier's job (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'results/**', '.cache/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      // `_`-prefixed parameters and variables are deliberately unused (interface conformance, destructuring).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // tsconfig has noUncheckedIndexedAccess: `xs[i]!` after a bounds check is the idiom, not a smell.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // TypeScript itself reports undefined names (it knows the DOM and Node globals); no-undef only adds false alarms.
      'no-undef': 'off',
    },
  },
  {
    // tests unset environment variables with `delete process.env[NAME]`, the only way to do it.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-dynamic-delete': 'off' },
  },
);
