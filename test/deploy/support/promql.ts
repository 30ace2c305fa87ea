// Metric names in PromQL expressions (as Grafana stores them), without a PromQL parser: strings,
// label matchers, ranges, grouping clauses and Grafana variables are blanked out, and what is
// left that looks like a name, is no keyword and is not called like a function is a metric.

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
  'group_left',
  'group_right',
]);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;

/** One selector: its metric name and its label matchers as written. */
export interface Selector {
  metric: string;
  labels: string;
}

/** The metric selectors of `expr`, in order. */
export function selectors(expr: string): Selector[] {
  if (!balanced(expr)) throw new Error(`unbalanced brackets: ${expr}`);
  const blank = (s: string) => ' '.repeat(s.length);
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, (s) => `"${blank(s.slice(2))}"`)
    .replace(/\$\{[^}]*\}|\$\w+/g, blank)
    .replace(/\[[^\]]*\]/g, blank)
    .replace(GROUPING, blank);
  const found: Selector[] = [];
  for (const match of text.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = text[match.index - 1] ?? ' ';
    const after = text.slice(match.index + match[0].length);
    if (/[0-9.]/.test(before) || /^\s*\(/.test(after) || KEYWORDS.has(match[0].toLowerCase())) {
      continue;
    }
    // Inside a label matcher: a label name, not a metric.
    const open = text.lastIndexOf('{', match.index);
    if (open > text.lastIndexOf('}', match.index)) continue;
    const matcher = /^\s*(\{[^}]*\})?/.exec(after)![1] ?? '';
    const at = match.index + match[0].length + after.indexOf(matcher);
    found.push({ metric: match[0], labels: matcher ? expr.slice(at, at + matcher.length) : '' });
  }
  return found;
}

/** The metric names `expr` reads. */
export const metricNames = (expr: string): string[] => selectors(expr).map((s) => s.metric);

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('([{'.includes(c)) stack.push(c);
    else if (pairs[c] && stack.pop() !== pairs[c]) return false;
  }
  return stack.length === 0;
}
