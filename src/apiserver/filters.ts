// Label and field selector filters of list and watch requests.
import { badRequest } from './errors';
import {
  SelectorError,
  fieldLabelNotSupported,
  matchFieldRequirements,
  matchLabelRequirements,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import type { KubeObject, ResourceDef } from '../resources/types';

const METADATA_FIELDS: Record<string, (o: KubeObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace,
};

/** The filter a request's labelSelector/fieldSelector describe; undefined when it matches everything. */
export function selectorFilter(def: ResourceDef, q: URLSearchParams): ((o: KubeObject) => boolean) | undefined {
  try {
    const labels = parseLabelSelector(q.get('labelSelector') ?? '');
    const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
    const getters = { ...METADATA_FIELDS, ...def.fieldSelectors };
    for (const f of fields) if (!getters[f.field]) throw badRequest(fieldLabelNotSupported(f.field));
    if (!labels.length && !fields.length) return undefined;
    return (o) =>
      matchLabelRequirements(labels, o.metadata.labels) && matchFieldRequirements(fields, (field) => getters[field](o));
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}
