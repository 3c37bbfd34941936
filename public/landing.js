// The landing page: sign up (POST /v1/clusters), show the kubeconfig and first steps, make an embed snippet.
'use strict';
const $ = (id) => document.getElementById(id);
let cluster;

async function call(url, init) {
  const res = await fetch(url, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || `${res.status} ${res.statusText}`);
  return body;
}

$('create').addEventListener('click', async () => {
  $('error').textContent = '';
  $('create').disabled = true;
  try {
    cluster = await call('/v1/clusters', { method: 'POST' });
  } catch (e) {
    $('error').textContent = `Could not create a sandbox: ${e.message}`;
    $('create').disabled = false;
    return;
  }
  $('cluster-id').textContent = cluster.id;
  $('expires').textContent = new Date(cluster.expiresAt).toLocaleString();
  $('token').textContent = cluster.token;
  $('kubeconfig').textContent = cluster.kubeconfig;
  $('download').href = URL.createObjectURL(new Blob([cluster.kubeconfig], { type: 'application/yaml' }));
  const insecure = /insecure-skip-tls-verify: true/.test(cluster.kubeconfig) ? '-k ' : '';
  $('steps').textContent = [
    `export TOKEN=${cluster.token}`,
    `curl ${insecure}-H "Authorization: Bearer $TOKEN" ${cluster.server}/api/v1/namespaces/default/pods`,
    '',
    '# save the kubeconfig above as sandbox.yaml, then:',
    'export KUBECONFIG=$PWD/sandbox.yaml',
    'kubectl get nodes',
    'kubectl create deployment web --image=nginx --replicas=3',
    'kubectl get pods -w',
  ].join('\n');
  $('live-link').href = `/clusters/${cluster.id}/ui#token=${encodeURIComponent(cluster.token)}`;
  $('result').hidden = false;
});

$('viewer').addEventListener('click', async () => {
  $('error').textContent = '';
  try {
    const v = await call(`/v1/clusters/${cluster.id}/viewer-tokens`, { method: 'POST', headers: { authorization: `Bearer ${cluster.token}` } });
    $('embed').value = v.embed;
    $('embed-box').hidden = false;
  } catch (e) {
    $('error').textContent = `Could not create a viewer token: ${e.message}`;
  }
});
