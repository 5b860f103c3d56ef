import { objectField, parseJsonObject, stringField } from './json-fields.js';

/** What the annotations of an OCI runtime spec (a task's config.json) say about a Kubernetes container. */
export interface OciContainerAnnotations {
  podName: string | null;
  podNamespace: string | null;
  /** Kubernetes' name of the container (null for a pod's sandbox, the `pause` container). */
  containerName: string | null;
  /** `sandbox` for the pod's sandbox (pause), `container` for an app container, null when not said. */
  containerType: 'sandbox' | 'container' | null;
  image: string | null;
}

/**
 * The `annotations` of an OCI runtime spec: containerd's task
 * `io.containerd.runtime.v2.task/NAMESPACE/ID/config.json` and CRI-O's
 * `overlay-containers/ID/userdata/config.json`. Both spellings are read, the CRI plugin's
 * `io.kubernetes.cri.*` first, then the labels' `io.kubernetes.pod.*` form (and CRI-O's
 * `io.kubernetes.cri-o.*`); null when the text is not a JSON object.
 *
 * @example
 *   parseOciAnnotations('{"ociVersion":"1.0.2","annotations":{"io.kubernetes.cri.container-type":"container",
 *     "io.kubernetes.cri.sandbox-name":"web-7d9f","io.kubernetes.cri.sandbox-namespace":"default",
 *     "io.kubernetes.cri.container-name":"nginx","io.kubernetes.cri.image-name":"docker.io/library/nginx:1.27"}}')
 *   -> { podName: 'web-7d9f', podNamespace: 'default', containerName: 'nginx', containerType: 'container', image: 'docker.io/library/nginx:1.27' }
 * @example
 *   parseOciAnnotations('{"annotations":{"io.kubernetes.pod.name":"db-0","io.kubernetes.pod.namespace":"data",
 *     "io.kubernetes.container.name":"postgres"}}')
 *   -> { podName: 'db-0', podNamespace: 'data', containerName: 'postgres', containerType: null, image: null }
 */
export function parseOciAnnotations(text: string): OciContainerAnnotations | null {
  const document = parseJsonObject(text);
  if (document === null) return null;
  const annotations = objectField(document, 'annotations');
  const first = (...keys: string[]): string | null => {
    for (const key of keys) {
      const value = stringField(annotations, key);
      if (value !== null) return value;
    }
    return null;
  };
  const type = first('io.kubernetes.cri.container-type', 'io.kubernetes.cri-o.ContainerType');
  const containerName = first('io.kubernetes.cri.container-name', 'io.kubernetes.container.name');
  return {
    podName: first('io.kubernetes.cri.sandbox-name', 'io.kubernetes.pod.name'),
    podNamespace: first('io.kubernetes.cri.sandbox-namespace', 'io.kubernetes.pod.namespace'),
    // CRI-O labels a sandbox's container `POD`: it has no Kubernetes container name
    containerName: containerName === 'POD' ? null : containerName,
    containerType: type === 'sandbox' || type === 'container' ? type : null,
    image: first('io.kubernetes.cri.image-name', 'io.kubernetes.cri-o.ImageName'),
  };
}
