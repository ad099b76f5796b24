// What the benchmarks share: their settings from the environment, and the median they report.
'use strict';

/** A positive whole number from the environment, or the default; anything else stops the bench (exit 2). */
function count(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${name} must be a positive whole number, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

/** The middle value (the upper one of an even count). */
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

module.exports = { count, median };
