// rmonit dashboard: live status through Server-Sent Events, and the search box filtering
// rows as you type. Without this file the pages still work (refresh, and the search form).
(function () {
  "use strict";
  var classes = ["ok", "fail", "off", "init"];
  function apply(update) {
    var rows = document.querySelectorAll('[data-service="' + CSS.escape(update.name) + '"]');
    rows.forEach(function (row) {
      var cell = row.querySelector(".status");
      if (!cell) return;
      cell.textContent = update.status;
      classes.forEach(function (c) { cell.classList.remove(c); });
      cell.classList.add(update.class);
      row.setAttribute("data-status", update.class);
    });
  }
  if (window.EventSource && document.body.hasAttribute("data-live")) {
    var source = new EventSource("/_events/stream");
    source.addEventListener("status", function (event) {
      JSON.parse(event.data).forEach(apply);
      var stamp = document.getElementById("updated");
      if (stamp) stamp.textContent = new Date().toLocaleTimeString();
    });
  }
  var search = document.querySelector('input[name="q"]');
  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.toLowerCase();
      document.querySelectorAll("tr[data-service]").forEach(function (row) {
        var hit = row.getAttribute("data-service").toLowerCase().indexOf(q) >= 0;
        row.classList.toggle("hidden", !hit);
      });
    });
  }
})();
