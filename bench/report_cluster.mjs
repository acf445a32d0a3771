// The report's cluster section: bench/run's cluster set (chat-actors alone,
// SQLite on one node as the baseline, PostgreSQL with 1, 2 and 3 nodes), one
// row per deployment, each compared with the SQLite run of the same
// bench/run. What a person concluded from such runs (the next ceiling) is
// in bench/cluster.md and carried in as written.
import fs from 'node:fs';
import path from 'node:path';
import { medianRun } from './report_pick.mjs';

const deployment = (l) => (l.backend === 'postgres' ? `PostgreSQL, ${l.nodes} node${l.nodes > 1 ? 's' : ''}` : 'SQLite, 1 node');
const order = (l) => (l.backend === 'postgres' ? l.nodes : 0);

// Lines of `mode`, one group per deployment, in deployment order.
function byDeployment(lines, mode) {
  const groups = new Map();
  for (const l of lines.filter((x) => x.mode === mode))
    groups.set(order(l), [...(groups.get(order(l)) ?? []), l]);
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, runs]) => runs);
}

/// The markdown of the cluster section; empty without cluster runs. `fmt`,
/// `ms`, `ratio` and `failed` are the report's number helpers.
export function clusterSection(lines, root, { fmt, ms, ratio, failed }) {
  if (!lines.length) return '';
  const fanouts = byDeployment(lines, 'fanout').map(medianRun);
  const fanoutBase = fanouts.find((l) => l.backend === 'sqlite');
  const fanoutRows = fanouts.map((l) =>
    `| ${deployment(l)}${failed(l)} | ${fmt(l.clients)} x ${l.messages} | ${fmt(l.deliveries_per_s)} `
    + `| ${ratio(l.deliveries_per_s, fanoutBase?.deliveries_per_s)} | ${fmt(l.cpu_s_per_million, 2)} `
    + `| ${ms(l.p99_ms)} | ${fmt(l.missing)} / ${fmt(l.duplicates)} |`);
  const durables = byDeployment(lines, 'durable').map((runs) => runs[0]);
  const durableBase = durables.find((l) => l.backend === 'sqlite');
  const perCommit = (l) => (l.commits > 0 ? l.writes / l.commits : undefined);
  const durableRows = durables.map((l) =>
    `| ${deployment(l)}${failed(l)} | ${fmt(l.clients)} | ${fmt(l.window)} | ${fmt(l.confirmed_per_s)} `
    + `| ${ratio(l.confirmed_per_s, durableBase?.confirmed_per_s)} | ${ms(l.confirm_p50_ms)} `
    + `| ${ms(l.confirm_p99_ms)} | ${fmt(perCommit(l), 1)} `
    + `| ${fmt(perCommit(l) ? l.confirmed_per_s / perCommit(l) : undefined)} |`);
  const notes = path.join(root, 'bench/cluster.md');
  return `## Cluster mode: the same load over 1-3 nodes on PostgreSQL

chat-actors alone, in its deployments side by side in this run: SQLite on
one node (the baseline of the ratio column) and PostgreSQL 15 (a throwaway
server on this box, fsync on) with 1, 2 and 3 nodes, the load generator's
clients spread over the nodes in turn. Everything (the nodes, PostgreSQL and
the load generator) shares this box's cores, so a row shows what a
deployment costs here, not what more machines would add. CPU is the nodes'
sum (PostgreSQL's own is not included). Each node's server.ini is the file
under "How this was produced" plus \`[storage] backend = postgres\`, its \`url\`
(a fresh database per run) and \`[cluster] node_id\`.

**Fan-out** (as above: every client sends at once to one room; across nodes
a message reaches the other nodes' members through PostgreSQL's NOTIFY):

| deployment | clients x msgs | deliveries/s | ratio | nodes' CPU s/M | p99 ms | missing / dup |
|---|---|---|---|---|---|---|
${fanoutRows.join('\n')}

**Durable sends** (as above, \`synchronous = full\` on SQLite; on PostgreSQL a
\`sent\` comes after COMMIT). Writes per commit is the nodes' storage batch
size over the run (\`chat_storage_batch_writes\` on /metrics, setup
included); commits/s is confirmed/s over it.

| deployment | clients | window | confirmed/s | ratio | p50 ms | p99 ms | writes per commit | commits/s |
|---|---|---|---|---|---|---|---|---|
${durableRows.join('\n')}

${fs.existsSync(notes) ? fs.readFileSync(notes, 'utf8') : ''}`;
}
