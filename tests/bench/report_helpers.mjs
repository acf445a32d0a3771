// The number helpers bench/report.mjs hands its sections (fmt, ms, ratio,
// failed), in a plain form the section tests can match exactly.
export const helpers = {
  fmt: (v, digits = 0) => (v === undefined ? "n/a" : Number(v).toFixed(digits)),
  ms: (v) => (v === undefined ? "n/a" : String(v)),
  ratio: (a, b) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}x` : "n/a"),
  failed: (l) => (l && !l.ok ? " (failed)" : ""),
};
