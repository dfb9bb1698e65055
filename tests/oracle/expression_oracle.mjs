// Evaluates DHIS2 expressions with DHIS2's own JavaScript expression library
// (@dhis2/expression-parser), as an independent oracle for the C++ evaluator's tests.
//
// usage: node expression_oracle.mjs INPUT.jsonl OUTPUT.jsonl
// Each input line: {"expression": "...", "mode": "INDICATOR_EXPRESSION", "strategy":
// "SKIP_IF_ANY_VALUE_MISSING"|"SKIP_IF_ALL_VALUES_MISSING"|"NEVER_SKIP", "days": 30,
// "values": {"#{uid}": 3, "#{uid.coc}": null, "#{uid}.periodOffset(-1)": 1, "C{uid}": 0.5}}.
// Each output line: {"ok": true, "value": number|boolean|string|null} ("NaN", "Infinity" and
// "-Infinity" as strings) or {"ok": false, "error": "..."}.
//
// The library evaluates an expression over the item values it is given but leaves DHIS2's missing
// value handling to its caller (a missing value makes it throw). This script applies that handling
// the way the DHIS2 server does (dhis2-core DefaultExpressionService.getExpressionValue): items whose
// UID starts with "Nul" are the test generator's items in null-tolerant positions (inside isNull,
// isNotNull, firstNonNull) and are passed as missing; every other item counts for the strategy and,
// when missing, is passed as 0; a null result becomes 0 unless the expression holds a null literal
// or removeZeros().
import fs from 'node:fs';
import {ExpressionJs, ExpressionMode, ExpressionDataJs} from '@dhis2/expression-parser';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node expression_oracle.mjs INPUT.jsonl OUTPUT.jsonl');
  process.exit(2);
}

const SYMBOLS = {DATA_ELEMENT: '#', CONSTANT: 'C', ORG_UNIT_GROUP: 'OUG', REPORTING_RATE: 'R', INDICATOR: 'N'};

function itemKey(item) {
  const ids = [item.uid0.value, ...item.uid1.map((id) => id.value), ...item.uid2.map((id) => id.value)];
  let key = `${SYMBOLS[item.type.name]}{${ids.join('.')}}`;
  const offset = item.modifiers.periodOffset;
  if (offset !== null && offset !== undefined && offset !== 0) key += `.periodOffset(${offset})`;
  return key;
}

function encode(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function evaluate(testCase) {
  const expression = new ExpressionJs(testCase.expression, ExpressionMode.valueOf(testCase.mode));
  const items = expression.collectDataItems();
  const counted = items.filter((item) => !item.uid0.value.startsWith('Nul'));
  const valueOf = (item) => {
    const value = testCase.values[itemKey(item)];
    return value === undefined ? null : value;
  };
  const missing = counted.filter((item) => valueOf(item) === null).length;
  if (testCase.strategy === 'SKIP_IF_ANY_VALUE_MISSING' && missing > 0) return null;
  if (testCase.strategy === 'SKIP_IF_ALL_VALUES_MISSING' && counted.length > 0 && missing === counted.length) {
    return null;
  }
  const values = new Map();
  for (const item of items) {
    const value = valueOf(item);
    if (item.uid0.value.startsWith('Nul')) {
      if (value !== null) values.set(item, value);
    } else {
      values.set(item, value === null ? 0 : value);
    }
  }
  const data = new ExpressionDataJs(new Map(), new Map(), new Map(), values, new Map([['days', testCase.days]]));
  const result = expression.evaluate((name) => {
    throw new Error(`unsupported: ${name}`);
  }, data);
  const replacesNull = !/\bnull\b/.test(testCase.expression) && !testCase.expression.includes('removeZeros');
  if ((result === null || result === undefined) && replacesNull) return 0;
  return result;
}

const lines = fs.readFileSync(input, 'utf8').split('\n').filter((line) => line.length > 0);
const out = [];
for (const line of lines) {
  try {
    out.push(JSON.stringify({ok: true, value: encode(evaluate(JSON.parse(line)))}));
  } catch (error) {
    const message = String(error && error.message ? error.message : error).split('\n')[0];
    out.push(JSON.stringify({ok: false, error: message}));
  }
}
fs.writeFileSync(output, out.join('\n') + '\n');
