// The floor under bench:serve's overhead figure: a node:http server with serve-model's own request
// parsing and response encoding, running onnxruntime in its own process (host-infer.ts's infer,
// in-process): no runtime host, so no inter-process hop, no queue, no crash isolation. What any
// HTTP server pays on this machine beside onnxruntime called in a loop.
//
//   node dist/test/bench/serve-floor.js MODEL SESSION_JSON   (prints "floor at http://127.0.0.1:PORT")

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionSettings } from '../../electron/runtime-host/host-protocol.js';
import { describeModel, infer } from '../../electron/runtime-host/host-infer.js';
import { readBody } from '../../electron/serving/http-body.js';
import { HEADER_LENGTH, parseInferRequest } from '../../electron/serving/infer-request.js';
import { encodeInferResponse } from '../../electron/serving/infer-response.js';
import { sendEncoded } from '../../electron/serving/serving-routes.js';
import { isBatchable, type ServedModel } from '../../electron/serving/served-model.js';

const [path, settingsJson] = process.argv.slice(2) as [string, string];
const session = JSON.parse(settingsJson) as SessionSettings;
const info = await describeModel(path, session);
const model: ServedModel = { name: 'm', version: '1', path, session, ...info, batchable: isBatchable(info), state: {} };

const server = createServer((req, res) => {
  void (async () => {
    const body = await readBody(req, 64 << 20, 30_000);
    const header = req.headers[HEADER_LENGTH];
    const r = parseInferRequest(body, typeof header === 'string' ? header : undefined, model);
    const out = await infer({ model: path, session, inputs: r.inputs });
    const encoded = encodeInferResponse(model, r.id, out.outputs, r.outputs, r.binaryOutputs);
    sendEncoded(res, encoded, model.name);
  })().catch((e: unknown) => {
    res.writeHead(500);
    res.end(String(e));
  });
});
server.listen(0, '127.0.0.1', () => console.log(`floor at http://127.0.0.1:${(server.address() as AddressInfo).port}`));
