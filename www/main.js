import { version, kernelBackend, blendModes } from "../pkg/index.js";

const status = document.getElementById("status");
try {
  status.textContent = `superimpose-wasm ${await version()} loaded: ${await kernelBackend()} kernels, ${
    (await blendModes()).length
  } blend modes.`;
} catch (e) {
  status.textContent = `Failed to load: ${e.code ?? ""} ${e.message}`;
}
