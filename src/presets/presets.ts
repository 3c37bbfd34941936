// Presets: what a cluster holds beyond the bootstrap, as YAML manifests (presets/*.yaml, bundled into
// bundled.ts). Their objects are created through the normal write path, as `kubectl create -f` would.
import { parseAllDocuments } from 'yaml';
import type { ApiContext } from '../apiserver/context';
import { createObject } from '../apiserver/writes';
import { RESOURCES } from '../resources/registry';
import { PRESET_YAML } from './bundled';

export const DEFAULT_PRESET = 'empty';
export const PRESET_NAMES = Object.keys(PRESET_YAML);

export const isPreset = (name: unknown): name is string => typeof name === 'string' && Object.hasOwn(PRESET_YAML, name);

/** The preset's objects, in file order. */
export function presetObjects(name: string): Record<string, any>[] {
  return parseAllDocuments(PRESET_YAML[name] ?? '')
    .map((d) => d.toJS())
    .filter((o): o is Record<string, any> => !!o && typeof o === 'object');
}

/** Creates the preset's objects (a namespaced object without a namespace goes to `default`). */
export function applyPreset(ctx: ApiContext, name: string) {
  for (const obj of presetObjects(name)) {
    const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
    const def = RESOURCES.find((r) => r.group === group && r.version === version && r.kind === obj.kind);
    if (!def) throw new Error(`preset ${name}: no resource for ${obj.apiVersion} ${obj.kind}`);
    createObject(ctx, def, def.namespaced ? (obj.metadata?.namespace ?? 'default') : '', obj);
  }
}
