import type { OpenAPIObject, PathItemObject } from '@nestjs/swagger';

/** The order of a path's operations in the OpenAPI specification. */
const METHOD_ORDER = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number =>
  a < b ? -1 : a > b ? 1 : 0;

function rank(key: string): number {
  const index = METHOD_ORDER.indexOf(key);
  // Path-level fields (parameters, summary) first, as the specification lists them.
  return index === -1 ? -1 : index;
}

/**
 * Sorts paths, each path's operations and the component schemas, so the document does not depend
 * on the order in which controllers and DTOs are registered: moving a route to another file
 * leaves the YAML as it was.
 */
export function sortOpenApiDocument(document: OpenAPIObject): void {
  document.paths = Object.fromEntries(
    Object.entries(document.paths)
      .sort(byKey)
      .map(([path, item]): [string, PathItemObject] => [
        path,
        Object.fromEntries(
          Object.entries(item).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1)),
        ) as PathItemObject,
      ]),
  );
  const components = document.components;
  if (components?.schemas) {
    components.schemas = Object.fromEntries(Object.entries(components.schemas).sort(byKey));
  }
}
