// A KServe InferenceService that serves a Triton model repository over the v2 protocol.

import type { ProviderName } from '../runtime-host/host-protocol.js';

export interface KServeSettings {
  name: string;
  storageUri: string;
  provider: ProviderName;
}

/** The manifest as YAML (written by hand: the document is small and fixed in shape). */
export function kserveManifest(s: KServeSettings): string {
  const gpu = s.provider !== 'cpu';
  return [
    'apiVersion: serving.kserve.io/v1beta1',
    'kind: InferenceService',
    'metadata:',
    `  name: ${JSON.stringify(s.name.toLowerCase().replace(/[^a-z0-9-]/g, '-'))}`,
    'spec:',
    '  predictor:',
    '    model:',
    '      modelFormat:',
    '        name: triton',
    '      protocolVersion: v2',
    '      runtime: kserve-tritonserver',
    `      storageUri: ${JSON.stringify(s.storageUri)}`,
    '      resources:',
    '        limits:',
    '          cpu: "2"',
    '          memory: 4Gi',
    ...(gpu ? ['          nvidia.com/gpu: "1"'] : []),
    '        requests:',
    '          cpu: "1"',
    '          memory: 2Gi',
    ...(gpu ? ['          nvidia.com/gpu: "1"'] : []),
    '',
  ].join('\n');
}
