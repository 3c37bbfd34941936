// The service account controller and the root CA publisher (control-plane.md §11): every active namespace
// gets the ServiceAccount `default` and the ConfigMap `kube-root-ca.crt` that pods mount to verify the API
// server. Terminating namespaces get nothing new (upstream tries and is refused).
import { resKey, type ApiContext } from '../apiserver/context';
import { deepEqual } from '../apiserver/json-util';
import { createObject, updateObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { quietly } from './controller-utils';
import type { Controller } from './types';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
const CONFIG_MAPS = findResource('', 'v1', 'configmaps')!;

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

/** The cluster's (fictional) root CA: a real self-signed certificate, CN=kubernetes, whose key was never kept. */
export const ROOT_CA_CERT = `-----BEGIN CERTIFICATE-----
MIIBjjCCATWgAwIBAgIUaK/XTguWP9hsG1Ya7TpPzzwYTyAwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKa3ViZXJuZXRlczAeFw0yNjExMjcxNDE0NTVaFw0zNjExMjQx
NDE0NTVaMBUxEzARBgNVBAMMCmt1YmVybmV0ZXMwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQ1ZcDBiBcuaEkYEFm9BVAGVzdzVVn8y19NCIFVpjSp8vhVg6aPHyxB
e25uo07OVIa2ru85lVtkTfGuda1tT9pio2MwYTAdBgNVHQ4EFgQUMjWBFUCuu371
zdPX8kqWZ8SxBQMwHwYDVR0jBBgwFoAUMjWBFUCuu371zdPX8kqWZ8SxBQMwDwYD
VR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAqQwCgYIKoZIzj0EAwIDRwAwRAIg
Qtas/mms6MjPRESoNiXH7PjIZAat1PQ476EIErNJhRUCIHg0BakJByV65N6zvDBj
Km0J965qQ2qN3Ov6RKIdD06A
-----END CERTIFICATE-----
`;

const activeNamespaces = (ctx: ApiContext) =>
  ctx.store
    .list(resKey(NAMESPACES), '')
    .map((e) => e.obj)
    .filter((ns) => !ns.metadata.deletionTimestamp && ns.status?.phase === 'Active')
    .map((ns) => ns.metadata.name!);

/** serviceaccounts-controller: the `default` ServiceAccount, recreated if deleted. */
export const serviceAccountController: Controller = {
  name: 'serviceaccount',
  identity: 'system:serviceaccount:kube-system:service-account-controller',
  reconcile(ctx) {
    for (const ns of activeNamespaces(ctx)) {
      if (ctx.store.get(resKey(SERVICE_ACCOUNTS), ns, 'default')) continue;
      quietly(() => createObject(ctx, SERVICE_ACCOUNTS, ns, { metadata: { name: 'default' } }));
    }
    return undefined;
  },
};

/** root-ca-cert-publisher: creates the ConfigMap, and puts back its data and description if changed. */
export const rootCACertPublisher: Controller = {
  name: 'root-ca-cert-publisher',
  identity: 'system:serviceaccount:kube-system:root-ca-cert-publisher',
  reconcile(ctx) {
    const data = { 'ca.crt': ROOT_CA_CERT };
    for (const ns of activeNamespaces(ctx)) {
      const cm = ctx.store.get(resKey(CONFIG_MAPS), ns, ROOT_CA_CONFIGMAP)?.obj;
      if (!cm) {
        const body = { metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data };
        quietly(() => createObject(ctx, CONFIG_MAPS, ns, body));
      } else if (!deepEqual(cm.data, data) || !cm.metadata.annotations?.[DESCRIPTION_ANNOTATION]) {
        const body: KubeObject = structuredClone(cm);
        body.data = data;
        body.metadata.annotations = { ...body.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION };
        quietly(() => updateObject(ctx, CONFIG_MAPS, ns, ROOT_CA_CONFIGMAP, body, ''));
      }
    }
    return undefined;
  },
};
