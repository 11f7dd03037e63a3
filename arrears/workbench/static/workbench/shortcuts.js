// The account page's keyboard shortcuts and the call form's follow-up fields.
// The keys are listed on the page (the "Keyboard shortcuts" table, rendered from workbench/shortcuts.py);
// this file reads that table, so the page and the behaviour cannot disagree. No inline script: CSP-safe.
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function firstField(root) {
    return root.querySelector("[data-first], input:not([type=hidden]), select, textarea, button");
  }

  function go(targetId) {
    var el = document.getElementById(targetId);
    if (!el) return;
    if (el.tagName === "DETAILS") el.open = true;
    var field = el.tagName === "INPUT" ? el : firstField(el);
    el.scrollIntoView({ block: "start" });
    (field || el).focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var rows = document.querySelectorAll("[data-shortcut-target]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-shortcut") === event.key) {
        event.preventDefault();
        go(rows[i].getAttribute("data-shortcut-target"));
        return;
      }
    }
  });

  // The call form shows the fields an outcome needs (a promise's amount and date, a callback's time):
  // without this script they all show, and the server checks them either way.
  function reveal(root) {
    var select = (root || document).querySelector ? document.getElementById("call-outcome") : null;
    if (!select) return;
    var groups = document.querySelectorAll("#call-panel .follow-up");
    for (var i = 0; i < groups.length; i++) {
      groups[i].hidden = groups[i].getAttribute("data-when") !== select.value;
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "call-outcome") reveal();
  });
  document.addEventListener("htmx:afterSettle", function () { reveal(); });
  document.addEventListener("DOMContentLoaded", function () { reveal(); });
})();
