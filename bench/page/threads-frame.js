// The threads build in its own realm for bench.js: `window.T.ready` resolves to
// {threads} or {na: why not}; `T.copy(image)` makes an ImageData of this realm (the package
// checks inputs with this realm's constructors).
import * as lib from "../../pkg/index.js";
import { initThreads, threadsUnsupportedReason } from "../../pkg/threads.js";

const why = threadsUnsupportedReason();
window.T = {
  lib,
  ready: why
    ? Promise.resolve({ na: why })
    : initThreads({ threads: 2 }).catch((e) => ({ na: `${e.code}: ${e.message}` })),
  copy: (im) => new ImageData(new Uint8ClampedArray(im.data), im.width, im.height),
  image: (w, h) => new ImageData(w, h),
};
