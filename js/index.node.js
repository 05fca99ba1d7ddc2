// superimpose-wasm for Node (the package's `node` export condition): the same API as index.js,
// with the .wasm files read from the package directory (Node's fetch cannot load file: URLs).
// Browser bundlers never see this file, so they never see `node:fs`.
import { readFile } from "node:fs/promises";
import { _setPackageFileReader } from "./index.js";

const here = import.meta.url;
_setPackageFileReader((name) => readFile(new URL(name, here)));

export * from "./index.js";
