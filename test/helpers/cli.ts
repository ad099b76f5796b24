/** The CLI through main(args, io) with fake output streams: exit code, stdout and stderr. */
import { main } from '../../src/cli/main';

export function runCli(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(args, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}
