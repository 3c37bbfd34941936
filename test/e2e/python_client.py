"""The official Python client against a sandbox cluster: list, create, patch, watch, delete.

Run by python-client.test.mjs with the kubeconfig path as the only argument; prints one line per check."""
import sys

from kubernetes import client, config, watch

config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()

nodes = [n.metadata.name for n in v1.list_node().items]
assert nodes == ["node-1", "node-2", "node-3"], nodes
print("nodes ok")

body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-cm", "labels": {"app": "py"}}, "data": {"a": "1"}}
created = v1.create_namespaced_config_map("default", body)
assert created.metadata.uid, created
print("create ok")

patched = v1.patch_namespaced_config_map("py-cm", "default", {"data": {"b": "2"}})
assert patched.data == {"a": "1", "b": "2"}, patched.data
print("patch ok")

listed = v1.list_namespaced_config_map("default", label_selector="app=py")
assert [c.metadata.name for c in listed.items] == ["py-cm"], listed.items
print("list ok")

# Delete, then watch from the list's resourceVersion: the server replays the deletion from its change log.
v1.delete_namespaced_config_map("py-cm", "default")
w = watch.Watch()
events = []
for event in w.stream(v1.list_namespaced_config_map, "default", resource_version=listed.metadata.resource_version, timeout_seconds=10):
    events.append((event["type"], event["object"].metadata.name))
    if event["type"] == "DELETED":
        w.stop()
assert events == [("DELETED", "py-cm")], events
print("watch ok")

try:
    v1.read_namespaced_config_map("py-cm", "default")
    raise AssertionError("py-cm still exists")
except client.exceptions.ApiException as e:
    assert e.status == 404, e.status
print("delete ok")
