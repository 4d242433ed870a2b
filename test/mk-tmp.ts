import { writeFileSync } from 'node:fs';
import { modelBytes } from '../shared/builder/index.js';
import { resnetLike } from '../test/bench/models/resnet-like.js';
writeFileSync('/tmp/qa/resnet.onnx', modelBytes(resnetLike({ widths: [16, 32, 64], blocksPerStage: 1, classes: 10 }, 4)));
