// The live view: one WebSocket (/clusters/<id>/ui/ws?token=) sends a snapshot, then changes; the page redraws.
'use strict';
const $ = (id) => document.getElementById(id);
const clusterId = (location.pathname.match(/^\/clusters\/([^/]+)\/ui/) || [])[1] || '';
const params = new URLSearchParams(location.search);
const fragment = new URLSearchParams(location.hash.slice(1));
let token = fragment.get('token') || params.get('token') || '';
const items = new Map();
const timeline = [];
const MAX_TIMELINE = 300;
let socket;
let retry = 0;

$('cluster').textContent = clusterId ? `cluster ${clusterId}` : 'no cluster in the address';

function setConn(state, text) {
  $('conn').dataset.state = state;
  $('conn').textContent = text;
}

function connect() {
  if (!clusterId || !token) {
    $('token-form').hidden = false;
    setConn('idle', clusterId ? 'paste a token to connect' : 'open /clusters/<id>/ui');
    return;
  }
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocket(`${proto}//${location.host}/clusters/${clusterId}/ui/ws?token=${encodeURIComponent(token)}`);
  setConn('idle', 'connecting…');
  socket.onopen = () => {
    retry = 0;
    $('token-form').hidden = true;
    setConn('open', 'live');
  };
  socket.onmessage = (e) => receive(JSON.parse(e.data));
  socket.onclose = (e) => {
    // 4001: the viewer token was revoked; 1006 before any open is usually a refused (401) token.
    if (e.code === 4001 || e.code === 4004) {
      $('token-form').hidden = false;
      return setConn('closed', e.reason || 'closed');
    }
    retry = Math.min(retry + 1, 6);
    const wait = 500 * 2 ** retry;
    setConn('closed', `disconnected, retrying in ${Math.round(wait / 1000)} s`);
    if (retry > 2) $('token-form').hidden = false;
    setTimeout(connect, wait);
  };
}

function receive(msg) {
  if (msg.type === 'snapshot') {
    items.clear();
    for (const it of msg.items) items.set(it.key, it);
  } else if (msg.type === 'changes') {
    for (const c of msg.changes) apply(c, msg.now);
  } else if (msg.type === 'timeline') {
    // What happened before this page connected, from the cluster's history (older than every live line).
    const past = msg.entries.filter((e) => !QUIET.has(e.resource)).map((e) => ({ at: new Date(e.time).toISOString(), text: historyLine(e) }));
    timeline.splice(0, timeline.length, ...past, ...timeline.filter((t) => !t.past));
    for (const t of past) t.past = true;
    if (timeline.length > MAX_TIMELINE) timeline.splice(0, timeline.length - MAX_TIMELINE);
  } else if (msg.type === 'error') {
    console.warn('live view:', msg.message);
  }
  if (msg.now) $('clock').textContent = `cluster time ${msg.now.slice(11, 19)}`;
  schedule();
}

function apply({ op, item }, now) {
  const before = items.get(item.key);
  if (op === 'DELETED') items.delete(item.key);
  else items.set(item.key, item);
  const line = describe(op, before, item);
  if (line) {
    timeline.push({ at: now, text: line });
    if (timeline.length > MAX_TIMELINE) timeline.shift();
  }
}

/** Resources whose revisions are bookkeeping, not news (heartbeats, endpoint lists, events have their own list). */
const QUIET = new Set(['leases.coordination.k8s.io', 'endpointslices.discovery.k8s.io', 'endpoints', 'events', 'events.events.k8s.io']);
const VERB = { ADDED: 'created', MODIFIED: 'updated', DELETED: 'deleted' };

/** A revision from history as a timeline line: `deployments.apps default/web updated`. */
function historyLine(e) {
  const name = e.namespace && e.namespace !== 'default' ? `${e.namespace}/${e.name}` : e.name;
  return `${e.resource} ${name} ${VERB[e.type] || e.type}`;
}

/** One timeline line for a change worth a line (a pod's status, a controller's size, a node's readiness). */
function describe(op, before, it) {
  const name = it.namespace && it.namespace !== 'default' ? `${it.namespace}/${it.name}` : it.name;
  if (it.kind === 'Event' || it.kind === 'EndpointSlice') return '';
  const what = it.kind === 'Controller' ? it.type : it.kind;
  if (op === 'ADDED') return `${what} ${name} created`;
  if (op === 'DELETED') return `${what} ${name} deleted`;
  if (it.kind === 'Pod' && before && before.status !== it.status) return `Pod ${name}: ${before.status} → ${it.status}`;
  if (it.kind === 'Controller' && before && before.desired !== it.desired) return `${what} ${name} scaled ${before.desired} → ${it.desired}`;
  if (it.kind === 'Node' && before && before.ready !== it.ready) return `Node ${name} Ready=${it.ready}`;
  return '';
}

let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
};
const byName = (a, b) => (a.namespace + a.name).localeCompare(b.namespace + b.name);
const of = (kind) => [...items.values()].filter((i) => i.kind === kind).sort(byName);

function podChip(p) {
  const crash = p.status === 'CrashLoopBackOff' || p.restarts > 0;
  const cls = ['pod', crash && 'crash', p.deleting && 'deleting'].filter(Boolean).join(' ');
  const title = `${p.namespace}/${p.name}\n${p.status} · ready ${p.ready} · restarts ${p.restarts}${p.owner ? `\nowner ${p.owner}` : ''}`;
  return el('span', { class: cls, 'data-phase': p.phase, 'data-name': p.name, title, text: p.name });
}

function render() {
  const pods = of('Pod');
  const nodes = of('Node');
  const columns = nodes.map((n) => ({ name: n.name, node: n, pods: pods.filter((p) => p.node === n.name) }));
  const unscheduled = pods.filter((p) => !p.node || !nodes.some((n) => n.name === p.node));
  if (unscheduled.length) columns.push({ name: 'unscheduled', pods: unscheduled });
  $('nodes').replaceChildren(
    ...columns.map((c) =>
      el('div', { class: c.node ? 'node' : 'node unscheduled', 'data-ready': c.node ? c.node.ready : 'n/a' },
        el('h3', { text: `${c.name}${c.node && c.node.ready !== 'True' ? ' (NotReady)' : ''}${c.node && c.node.unschedulable ? ' (cordoned)' : ''}` }),
        el('div', { class: 'pods' }, ...c.pods.map(podChip)))),
  );
  $('pod-count').textContent = `${nodes.length} nodes, ${pods.length} pods`;

  $('controllers').replaceChildren(
    ...of('Controller').map((c) =>
      el('li', { 'data-name': c.name },
        el('span', { text: `${c.type} ${c.namespace}/${c.name}` }),
        el('span', { class: c.ready < c.desired ? 'count short' : 'count', text: `${c.ready}/${c.desired}` }))),
  );

  const slices = of('EndpointSlice');
  $('services').replaceChildren(
    ...of('Service').map((s) => {
      const eps = slices.filter((x) => x.namespace === s.namespace && x.service === s.name).flatMap((x) => x.endpoints);
      return el('li', {},
        el('div', { text: `${s.namespace}/${s.name} · ${s.type} ${s.clusterIP} ${s.ports.join(',')}` }),
        el('div', {}, ...(eps.length ? eps.map((e) => el('span', { class: e.ready ? 'ep' : 'ep notready', title: e.pod, text: e.address })) : [el('span', { class: 'muted', text: 'no endpoints' })])));
    }),
  );

  const events = of('Event').sort((a, b) => String(b.time).localeCompare(String(a.time))).slice(0, 200);
  $('events').replaceChildren(
    ...events.map((e) =>
      el('li', { class: e.type }, el('time', { text: String(e.time).slice(11, 19) }), `${e.reason} ${e.object}: ${e.message}${e.count > 1 ? ` (×${e.count})` : ''}`)),
  );
  $('timeline').replaceChildren(
    ...timeline.slice().reverse().map((t) => el('li', {}, el('time', { text: String(t.at).slice(11, 19) }), t.text)),
  );
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token-input').value.trim();
  if (socket) socket.onclose = null, socket.close();
  retry = 0;
  connect();
});

connect();
