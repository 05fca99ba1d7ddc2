// Loaded as a classic script before the demo's module: if the module graph cannot load at all
// (pkg/ not built, a 404, a syntax error, a browser without WebAssembly SIMD), say so on the page
// with a code instead of leaving it blank. main.js handles every error after it has started.
(function () {
  function show(code, message) {
    var box = document.getElementById("error");
    var status = document.getElementById("status");
    if (!box || window.__demo) return;
    box.hidden = false;
    box.textContent = code + ": " + message;
    if (status) status.textContent = "The demo failed to start.";
  }
  // Resource errors do not bubble; the capture phase sees a module script that failed to load.
  window.addEventListener("error", function (ev) {
    var t = ev.target;
    if (t && t.tagName === "SCRIPT") {
      show("E_LOAD", "could not load " + (t.getAttribute("src") || "a script") +
        " or one of its imports (is pkg/ built? run `make build`, or `make demo`). See the browser console.");
    }
  }, true);
  window.addEventListener("load", function () {
    setTimeout(function () {
      if (!window.__demo) show("E_LOAD", "the demo did not start within 20 s (see the browser console).");
    }, 20000);
  });
})();
