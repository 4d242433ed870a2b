// A per-layer sensitivity report: how far each quantized layer's output drifts from the float model's.

export interface LayerSensitivity {
  /** The float model's node whose output is compared. */
  node: string;
  opType: string;
  /** The compared tensor (the node's first output in the float model). */
  tensor: string;
  /** 10·log10(Σx² / Σ(x−y)²) over every sample; Infinity when the outputs are equal. */
  sqnrDb: number;
  cosine: number;
  maxAbsError: number;
}

export interface SensitivityReport {
  /** Worst first (lowest SQNR). */
  layers: LayerSensitivity[];
  /** Input sets both models ran on. */
  samples: number;
}
