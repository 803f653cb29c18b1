// Where a bench:chat server spends its time: reads a .cpuprofile (node
// --cpu-prof) and prints busy time per function, self and inclusive, within
// the measurement: from the first to the last sample whose stack holds the
// function named MARK (`relayApplicationMessage` for ours, the raw server's
// chat listener as `raw-chat-server.mjs:16`). Plain JavaScript, run by node:
//
//   NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/chat-prof" npm run bench:chat
//   node tests/bench/chat-cpuprofile.mjs /tmp/chat-prof/<server's file> relayApplicationMessage [TOP] [FILTER]
//
// (every node process of the run writes a profile; the server's holds
// server/dist/main.js, the floor's raw-chat-server.mjs). The profiler slows
// the server: compare shares, not the latencies of a profiled run.
import { readFileSync } from 'node:fs';
import process from 'node:process';

const [file, mark, topArg = '40', filter] = process.argv.slice(2);
if (!file || !mark) {
  process.stderr.write('usage: node tests/bench/chat-cpuprofile.mjs FILE.cpuprofile MARK [TOP] [FILTER]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

const frameName = ({ callFrame: f }) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/').replace(/^file:\/\/.*\//, '')}:${f.lineNumber + 1}`;
const place = ({ callFrame: f }) => `${f.url.replace(/.*\//, '')}:${f.lineNumber + 1}`;
const stacks = new Map();
const stackOf = (id) => {
  let stack = stacks.get(id);
  if (!stack) {
    stack = [];
    for (let at = id; at !== undefined; at = parents.get(at)) stack.push(nodes.get(at));
    stacks.set(id, stack);
  }
  return stack;
};
const marked = (id) => stackOf(id).some((node) => node.callFrame.functionName === mark || place(node) === mark);

const first = profile.samples.findIndex(marked);
let last = first;
for (let i = profile.samples.length - 1; i > first; i -= 1) {
  if (marked(profile.samples[i])) {
    last = i;
    break;
  }
}
if (first < 0) {
  process.stderr.write(`no sample holds ${mark}\n`);
  process.exit(1);
}

const self = new Map();
const inclusive = new Map();
let busy = 0;
let span = 0;
for (let i = first; i <= last; i += 1) {
  const stack = stackOf(profile.samples[i]);
  const micros = profile.timeDeltas[i + 1] ?? 0;
  span += micros;
  if (stack[0].callFrame.functionName === '(idle)') continue;
  busy += micros;
  self.set(frameName(stack[0]), (self.get(frameName(stack[0])) ?? 0) + micros);
  for (const name of new Set(stack.map(frameName))) inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
}

const only = filter ? new RegExp(filter) : undefined;
const print = (title, totals) => {
  process.stdout.write(`\n${title}\n`);
  const rows = [...totals].filter(([name]) => !only || only.test(name)).sort((a, b) => b[1] - a[1]).slice(0, Number(topArg));
  for (const [name, micros] of rows) {
    process.stdout.write(`${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}\n`);
  }
};
process.stdout.write(`${(span / 1e6).toFixed(1)} s measured, ${(busy / 1000).toFixed(0)} ms busy\n`);
print('self time', self);
print('inclusive time', inclusive);
