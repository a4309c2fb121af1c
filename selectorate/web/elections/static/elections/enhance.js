/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so screen-reader and keyboard users hear the problems first.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    // Error summary links: focus the field itself, not just scroll to it.
    document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) { event.preventDefault(); target.focus(); }
      });
    });
    // Ranked ballot: a live, polite note of how many preferences are numbered so far.
    var ballot = document.querySelector("[data-ranked-ballot]");
    if (ballot) {
      var status = ballot.querySelector("[data-rank-status]");
      var inputs = ballot.querySelectorAll("input[type=number]");
      var update = function () {
        var filled = 0;
        inputs.forEach(function (i) { if (i.value.trim() !== "") { filled += 1; } });
        if (status) {
          status.textContent = filled === 0 ? "No preferences numbered yet." :
            filled + " of " + inputs.length + " candidates numbered.";
        }
      };
      inputs.forEach(function (i) { i.addEventListener("change", update); });
      update();
    }
    // Prevent a double submit of the cast button.
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent === "1") { event.preventDefault(); return; }
        form.dataset.sent = "1";
      });
    });
  });
})();
