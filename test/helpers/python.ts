/**
 * Running generated Python for real: Debian's interpreter with NumPy, PyTorch and SymPy. In CI they
 * are installed (`.ci/run`), so a missing module fails the run; elsewhere the tests that need them
 * skip with a visible message.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
const inCI = process.env['CI'] === 'true';

/** Whether the interpreter imports every module; in CI a missing one is an error. */
export function pythonHas(modules: readonly string[]): boolean {
  const r = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.status === 0) return true;
  if (inCI) throw new Error(`CI needs ${PYTHON} with ${modules.join(', ')}: ${r.stderr || r.error?.message}`);
  console.warn(`SKIPPED: ${PYTHON} cannot import ${modules.join(', ')} (installed by .ci/run in CI)`);
  return false;
}

/** Run a Python script (its text) in a directory; stdout, or an error carrying stderr. */
export function runPython(script: string, cwd: string, timeout = 120_000): string {
  return execFileSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

/** Run a Python script file with arguments, from the repository root; stdout. */
export function runPythonFile(path: string, args: readonly string[], timeout = 300_000): string {
  return execFileSync(PYTHON, [path, ...args], { encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}
