/**
 * android-nnapi: TFLite benchmark_model through NNAPI to a named accelerator (the EdgeTPU on Pixels:
 * `google-edgetpu`; the Hexagon DSP on Snapdragon phones: e.g. `qti-dsp`), or through an external delegate
 * library (`externalDelegate`, e.g. a vendor's or libedgetpu), pushed to the phone like the binary.
 *
 * NNAPI falls back to the CPU silently for graphs its driver cannot take (float models on the EdgeTPU, unknown
 * ops): a delegate that took no node is refused, a partial one is recorded with its share. `disableNnapiCpu`
 * keeps NNAPI's own reference CPU device out when no accelerator is named. See android/benchmark-runner.ts.
 */
import { createBenchmarkModelRunner } from './benchmark-runner.js';
import type { Runner } from '../types.js';

export function createAndroidNnapiRunner(): Runner {
  return createBenchmarkModelRunner({
    id: 'android-nnapi',
    backend: 'nnapi',
    describe:
      'TFLite benchmark_model on an Android phone over adb, NNAPI to an accelerator (EdgeTPU: accelerator=google-edgetpu) or an external delegate',
    settings: [
      {
        key: 'accelerator',
        type: 'string',
        pattern: /[A-Za-z0-9_.-]*/,
        patternText: "an NNAPI device name such as google-edgetpu or qti-dsp ('' lets NNAPI choose)",
        default: '',
        describe: '--nnapi_accelerator_name',
      },
      {
        key: 'disableNnapiCpu',
        type: 'bool',
        default: true,
        describe: "--disable_nnapi_cpu (when no accelerator is named): keep NNAPI's reference CPU device out",
      },
      {
        key: 'externalDelegate',
        type: 'string',
        pattern: /[^\0]*/,
        patternText: 'a local path to a delegate .so',
        default: '',
        describe: 'use this external delegate library instead of NNAPI (--external_delegate_path; pushed to the phone)',
      },
      { key: 'threads', type: 'int', min: 1, max: 16, default: 1, describe: 'CPU threads for ops the delegate does not take' },
    ],
    delegateArgs: (s, remote) => {
      if (s.externalDelegate !== '') return [`--external_delegate_path=${remote.externalDelegate ?? ''}`];
      const args = ['--use_nnapi=true'];
      if (s.accelerator !== '') args.push(`--nnapi_accelerator_name=${String(s.accelerator)}`);
      else if (s.disableNnapiCpu) args.push('--disable_nnapi_cpu=true');
      return args;
    },
    delegate: (s) => (s.externalDelegate !== '' ? 'External' : 'NNAPI'),
    requiresDelegate: true,
    extraFiles: (s) => (s.externalDelegate !== '' ? [{ key: 'external_delegate', path: String(s.externalDelegate) }] : []),
  });
}
