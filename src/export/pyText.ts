/**
 * Text that goes into generated Python: identifiers (a user's names made valid and never a keyword
 * or a name the module itself uses) and docstrings (anything a user wrote — a description, a file
 * name, a tensor name — escaped, so that it can never end the string and become code).
 */

const RESERVED = new Set([
  ...'False None True and as assert async await break class continue def del elif else except finally for from'.split(
    ' ',
  ),
  ...'global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
  // Names the generated modules define or import.
  ...'math np torch sp csv json numpy sympy P G X Q C ROLES'.split(' '),
]);

/** A user's name as a Python identifier: other characters become _, and a keyword or module name gets a trailing _. */
export function pyIdent(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_');
  return RESERVED.has(s) ? `${s}_` : s;
}

/** Control characters other than the newline, and DEL. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/g;

/** A docstring at an indent: backslashes and quotes escaped, continuation lines indented. */
export function docstring(lines: readonly string[], indent = '    '): string {
  const body = lines
    .map((l, i) => (i === 0 || l === '' ? l : indent + l))
    .join('\n')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    // Control characters (a NUL, a terminal escape) as escapes: Python refuses a NUL in source.
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${indent}"""${body}\n${indent}"""`;
}
