// The demo's remote panel: a form GENERATED from the package's `modelSchema(model)` for each of
// `modelNames()`, checked with `validateBody` (errors shown next to their field), run with the
// package's `Client` (live QUEUED/PROCESSING/elapsed status from `onProgress`, cancel through an
// AbortController), the result beside the input, and "use as base / overlay".
//
// The API key lives only in the password field and in the Client made for one run: it is never
// written to localStorage, sessionStorage, a cookie or a URL.
import { Client, modelNames, modelSchema, validateBody } from "../pkg/index.js";

const $ = (id) => document.getElementById(id);

// Which local image each image field starts from.
const IMAGE_DEFAULTS = {
  base_image: "base", main_image: "base", image: "base",
  overlay_image: "overlay", object_image: "overlay", ref_image: "overlay",
  mask_image: "mask",
};
const SOURCES = [
  ["base", "current base"], ["overlay", "current overlay"], ["composite", "current composite"],
  ["mask", "sample mask"], ["result", "last remote result"], ["url", "URL…"],
];

/**
 * @param {{state: object, errorText: (e: unknown) => string, composite: () => string,
 *          useAs: (slot: "base" | "overlay", src: string) => Promise<void>}} app
 */
export async function initRemote(app) {
  const config = await fetch("./demo-config.json", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  const names = await modelNames();
  const schemas = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await modelSchema(n)])));
  const remote = { schema: null, touched: new Set(), submitted: false, controller: null, lastResult: null, config };
  window.__demo.remote = remote; // for the end-to-end tests
  remote.refresh = () => refreshInput();

  const select = $("remote-model");
  for (const n of names) select.append(new Option(n, n, n === "seg-swap", n === "seg-swap"));
  select.addEventListener("change", () => build(schemas[select.value]));

  if (config.baseUrl) {
    $("remote-base").value = config.baseUrl;
    if (config.apiKey) $("remote-key").value = config.apiKey; // the simulator's fixed test key, not a secret
  }
  const updateConn = () => {
    const simulated = !!config.simulated && $("remote-base").value.replace(/\/+$/, "") === config.baseUrl;
    $("sim-badge").hidden = !simulated;
    $("remote-conn-note").textContent = simulated
      ? "Pointed at the local protocol simulator started by `make demo`: results are SIMULATED placeholders, not real inference. For the real API set the base URL to https://api.segmind.com and paste your key."
      : "Requests go to this base URL with your key in the x-api-key header only.";
  };
  $("remote-base").addEventListener("input", updateConn);
  updateConn();

  // ---- the generated form ----------------------------------------------------------------------
  function build(schema) {
    remote.schema = schema;
    remote.touched.clear();
    remote.submitted = false;
    $("remote-fields-title").textContent = `${schema.title} (${schema.model})`;
    const box = $("remote-fields");
    box.replaceChildren();
    for (const f of schema.fields) box.append(fieldRow(f));
    showErrors({});
    refreshInput();
  }

  function fieldRow(f) {
    const row = document.createElement("div");
    row.className = "field";
    row.dataset.field = f.name;
    const id = `rf-${f.name}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.innerHTML = `<span class="fname"></span>${f.required ? ' <abbr title="required">*</abbr>' : ""} <span class="kind"></span>`;
    label.querySelector(".fname").textContent = f.name;
    label.querySelector(".kind").textContent = kindText(f);
    row.append(label);
    const doc = document.createElement("small");
    doc.id = `${id}-doc`;
    doc.className = "doc";
    doc.textContent = f.doc;
    const err = document.createElement("span");
    err.id = `${id}-err`;
    err.className = "field-error";
    err.setAttribute("aria-live", "polite");
    let control;
    if (f.kind === "image") {
      const wrap = document.createElement("div");
      wrap.className = "image-src";
      control = document.createElement("select");
      if (!f.required) control.append(new Option("(none — omit)", ""));
      for (const [v, t] of SOURCES) control.append(new Option(t, v));
      control.value = IMAGE_DEFAULTS[f.name] ?? (f.required ? "base" : "");
      const url = document.createElement("input");
      url.type = "url";
      url.id = `${id}-url`;
      url.placeholder = "https://…/image.png";
      url.setAttribute("aria-label", `${f.name} URL`);
      url.hidden = control.value !== "url";
      control.addEventListener("change", () => {
        url.hidden = control.value !== "url";
        if (!url.hidden) url.focus();
      });
      url.addEventListener("input", () => touch(f.name));
      wrap.append(control, url);
      row.append(wrap);
    } else if (f.enum || f.kind === "boolean") {
      control = document.createElement("select");
      const values = f.kind === "boolean" ? ["true", "false"] : f.enum;
      if (!f.required) control.append(new Option(`default${f.default !== undefined ? ` (${f.default})` : ""} — omit`, ""));
      for (const v of values) control.append(new Option(v, v));
      control.value = f.required && f.default !== undefined ? String(f.default) : "";
      row.append(control);
    } else {
      control = document.createElement("input");
      if (f.kind === "integer" || f.kind === "number") {
        // type=text + inputmode: the browser must not silently drop a value (e.g. "1e999" or
        // "12abc"); our validation says what is wrong instead.
        control.type = "text";
        control.inputMode = f.kind === "integer" ? "numeric" : "decimal";
      } else control.type = "text";
      control.placeholder = f.default !== undefined ? String(f.default) : f.required ? "required" : "optional";
      control.autocomplete = "off";
      row.append(control);
    }
    control.id = id;
    control.dataset.kind = f.kind;
    control.setAttribute("aria-describedby", `${id}-doc ${id}-err`);
    if (f.required) control.setAttribute("aria-required", "true");
    control.addEventListener("input", () => touch(f.name));
    control.addEventListener("change", () => touch(f.name));
    row.append(doc, err);
    return row;
  }

  function kindText(f) {
    if (f.kind === "integer" || f.kind === "number") {
      const big = (v) => (Math.abs(v) === Number.MAX_SAFE_INTEGER ? `${v < 0 ? "−" : ""}(2⁵³−1)` : v.toLocaleString("en-US"));
      const lo = f.min === undefined ? "" : `${big(f.min)}${f.exclusiveMin ? " <" : " ≤"} `;
      const hi = f.max === undefined ? "" : ` ≤ ${big(f.max)}`;
      return `${f.kind}${lo || hi ? `, ${lo}x${hi}` : ""}`;
    }
    return f.enum ? "enum" : f.kind;
  }

  function touch(name) {
    remote.touched.add(name);
    if (name === firstImageField()) refreshInput();
    scheduleValidate();
  }

  // ---- body, validation -------------------------------------------------------------------------
  function imageValue(name) {
    const src = $(`rf-${name}`).value;
    switch (src) {
      case "": return undefined;
      case "base": return app.state.base?.dataUri;
      case "overlay": return app.state.overlay?.dataUri;
      case "mask": return app.state.sampleMask?.dataUri;
      case "composite": return app.composite();
      case "result": return remote.lastResult?.src ?? "";
      case "url": return $(`rf-${name}-url`).value.trim();
      default: return undefined;
    }
  }

  /** The body from the form: empty optional controls are omitted (SPEC 4.8). */
  function formBody() {
    const body = {};
    for (const f of remote.schema.fields) {
      const el = $(`rf-${f.name}`);
      let v;
      if (f.kind === "image") v = imageValue(f.name);
      else if (f.kind === "boolean") v = el.value === "" ? undefined : el.value === "true";
      else if (f.kind === "integer" || f.kind === "number") {
        const t = el.value.trim();
        // Not-a-number text is sent as is so validation names the field and the problem.
        v = t === "" ? undefined : Number.isNaN(Number(t)) ? t : Number(t);
      } else v = el.value === "" && !f.required ? undefined : el.value;
      if (v !== undefined) body[f.name] = v;
    }
    return body;
  }

  // validateBody stops at the first error; to show every field's error at once, set the failing
  // field aside (or, for a required one, put a valid stand-in there) and validate again.
  async function allErrors(body) {
    const errors = {};
    const probe = { ...body };
    for (let i = 0; i <= remote.schema.fields.length; i++) {
      try {
        await validateBody(remote.schema.model, probe);
        break;
      } catch (e) {
        if (!e?.param || errors[e.param] || !(e.param in probe || isField(e.param))) {
          if (!e?.param) errors[""] = e;
          break;
        }
        errors[e.param] = e;
        const f = remote.schema.fields.find((x) => x.name === e.param);
        if (f?.required) probe[e.param] = standIn(f);
        else delete probe[e.param];
      }
    }
    return errors;
  }
  const isField = (n) => remote.schema.fields.some((f) => f.name === n);
  function standIn(f) {
    if (f.kind === "image") return "https://example.invalid/stand-in.png";
    if (f.enum) return f.enum[0];
    if (f.kind === "boolean") return false;
    if (f.kind === "integer" || f.kind === "number") return f.default ?? f.min ?? 0;
    return "x";
  }

  function showErrors(errors, { all = false } = {}) {
    for (const row of $("remote-fields").children) {
      const name = row.dataset.field;
      const e = errors[name];
      const show = e && (all || remote.submitted || remote.touched.has(name));
      const control = $(`rf-${name}`);
      $(`rf-${name}-err`).textContent = show ? `${e.code}: ${e.message}` : "";
      row.classList.toggle("invalid", !!show);
      if (show) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
    const general = errors[""];
    if (general) showRemoteError(general);
  }

  let validateTimer = 0;
  let validateGen = 0;
  function scheduleValidate() {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(async () => {
      const gen = ++validateGen;
      const errors = await allErrors(formBody());
      if (gen === validateGen) showErrors(errors);
    }, 120);
  }

  // ---- the input and result previews --------------------------------------------------------------
  const firstImageField = () => remote.schema.fields.find((f) => f.kind === "image")?.name;
  function refreshInput() {
    const name = firstImageField();
    const src = name ? imageValue(name) : "";
    const img = $("remote-input");
    if (src) img.src = src;
    else img.removeAttribute("src");
    img.alt = name ? `Input: ${name}` : "No image input";
  }

  /** The displayable image of a result: `output` as a URL, a data: URI or plain base64 (SPEC 4.2). */
  function resultSource(r) {
    let out = r.output;
    if (Array.isArray(out)) out = out[0];
    if (out && typeof out === "object") out = out.url ?? out.image ?? null;
    if (!out && Array.isArray(r.raw?.images)) out = r.raw.images[0]?.url;
    if (typeof out !== "string" || !out) return null;
    if (/^(https?:|data:|blob:)/i.test(out)) return out;
    const fmt = remote.lastBody?.image_format ?? remote.lastBody?.output_format ?? "png";
    return `data:image/${fmt === "jpeg" ? "jpeg" : fmt};base64,${out}`;
  }

  // ---- running ------------------------------------------------------------------------------------
  function showRemoteError(e) {
    const box = $("remote-error");
    if (!e) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.hidden = false;
    box.textContent = app.errorText(e) + (e.metrics ? `\nmetrics: ${JSON.stringify(e.metrics)}` : "");
  }

  function setRunning(running) {
    $("remote-run").disabled = running;
    $("remote-cancel").disabled = !running;
    select.disabled = running;
  }

  let ticker = 0;
  async function run() {
    showRemoteError(null);
    remote.submitted = true;
    const body = formBody();
    const errors = await allErrors(body);
    showErrors(errors, { all: true });
    const bad = Object.keys(errors).filter(Boolean);
    if (bad.length || errors[""]) {
      $("remote-status").textContent = bad.length
        ? `Not sent: ${bad.length} field${bad.length > 1 ? "s" : ""} need${bad.length > 1 ? "" : "s"} fixing (${bad.join(", ")}).`
        : "Not sent.";
      if (bad.length) $(`rf-${bad[0]}`).focus();
      return;
    }
    const apiKey = $("remote-key").value.trim();
    const baseUrl = $("remote-base").value.trim();
    let client;
    try {
      client = new Client({ apiKey: apiKey || undefined, baseUrl });
    } catch (e) {
      showRemoteError(e);
      return;
    }
    const controller = new AbortController();
    remote.controller = controller;
    remote.lastBody = body;
    const t0 = performance.now();
    let status = "SUBMITTING";
    let requestId = "";
    const paint = () => {
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      // The COMPLETED progress event comes before the result is fetched: "done" is set below.
      const shown = status === "COMPLETED" ? "COMPLETED, fetching the result" : status;
      $("remote-status").textContent = `${shown} · ${s} s${requestId ? ` · request ${requestId}` : ""}`;
      $("remote-status").dataset.state = status === "COMPLETED" ? "FETCHING" : status;
    };
    remote.progress = [];
    paint();
    ticker = setInterval(paint, 100);
    setRunning(true);
    try {
      const r = await client.run(remote.schema.model, body, {
        signal: controller.signal,
        onProgress(p) {
          status = p.status;
          requestId = p.requestId;
          remote.progress.push(p.status);
          paint();
        },
      });
      clearInterval(ticker);
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      const src = resultSource(r);
      remote.lastResult = { src, result: r };
      $("remote-status").textContent = `COMPLETED in ${secs} s · request ${r.requestId}${r.raw?.simulated ? " · SIMULATED result" : ""}`;
      $("remote-status").dataset.state = "COMPLETED";
      const box = $("remote-result");
      box.replaceChildren();
      if (src) {
        const img = document.createElement("img");
        img.src = src;
        img.alt = `Result of ${remote.schema.model}${r.raw?.simulated ? " (simulated placeholder)" : ""}`;
        box.append(img);
      } else {
        const p = document.createElement("p");
        p.className = "hint";
        p.textContent = "The result has no image output (see the details below).";
        box.append(p);
      }
      $("use-base").disabled = $("use-overlay").disabled = !src;
      const meta = { requestId: r.requestId, metrics: r.metrics, remainingCredits: r.remainingCredits };
      if (r.raw?.simulated) meta.simulated = r.raw.note ?? true;
      $("remote-meta").hidden = false;
      $("remote-meta").textContent = JSON.stringify(meta, null, 2);
    } catch (e) {
      clearInterval(ticker);
      const cancelled = e?.code === "E_ABORTED";
      $("remote-status").textContent = cancelled
        ? `Cancelled after ${((performance.now() - t0) / 1000).toFixed(1)} s${e.requestId ? ` (request ${e.requestId} may still finish on the server)` : ""}.`
        : `Failed (${e?.code ?? "ERROR"}).`;
      $("remote-status").dataset.state = cancelled ? "CANCELLED" : "FAILED";
      if (e?.param && isField(e.param)) showErrors({ [e.param]: e }, { all: true });
      showRemoteError(e);
    } finally {
      remote.controller = null;
      setRunning(false);
    }
  }

  $("remote-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    run();
  });
  $("remote-cancel").addEventListener("click", () => remote.controller?.abort());
  for (const [btn, slot] of [["use-base", "base"], ["use-overlay", "overlay"]]) {
    $(btn).addEventListener("click", async () => {
      if (!remote.lastResult?.src) return;
      try {
        await app.useAs(slot, remote.lastResult.src);
        $("remote-status").textContent = `The result is now the ${slot} image of the editor above.`;
      } catch (e) {
        showRemoteError(e);
      }
    });
  }
  build(schemas[select.value]);
}
