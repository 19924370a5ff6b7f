// Filters for the report: severities (checkboxes) and one code (select). Rows that do
// not match are hidden; files, series and studies with no visible finding are hidden
// too, and the counters say how many findings are shown.
(function () {
  "use strict";
  var root = document.getElementById("details");
  var rows = Array.prototype.slice.call(root.querySelectorAll("tr.finding"));
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.sev-filter"));
  var select = document.getElementById("code-filter");
  var shown = document.getElementById("shown-count");
  var clean = document.getElementById("show-clean");

  function apply() {
    var sev = {};
    boxes.forEach(function (b) { sev[b.value] = b.checked; });
    var code = select.value;
    var n = 0;
    rows.forEach(function (r) {
      var ok = sev[r.dataset.severity] && (!code || r.dataset.code === code);
      r.classList.toggle("hidden", !ok);
      if (ok) { n += 1; }
    });
    var showClean = clean.checked && !code;
    ["file", "series", "study"].forEach(function (level) {
      root.querySelectorAll("details." + level).forEach(function (d) {
        var visible = d.querySelector("tr.finding:not(.hidden)") !== null;
        d.classList.toggle("hidden", !visible && !showClean);
      });
    });
    shown.textContent = String(n);
    document.body.dataset.shown = String(n);
  }

  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  select.addEventListener("change", apply);
  clean.addEventListener("change", apply);
  document.querySelectorAll("a.code").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      select.value = a.dataset.code;
      apply();
      document.getElementById("filters").scrollIntoView();
    });
  });
  apply();
}());
