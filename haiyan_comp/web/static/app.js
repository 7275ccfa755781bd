// Small enhancements; every page works without them.
(function () {
  "use strict";
  // Forms with data-confirm ask before they are sent (payments, settlement).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // Tables with a filter box: <input data-filter="#table-id">.
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.querySelector(input.getAttribute("data-filter"));
    if (!table) return;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  });
  // Keyboard shortcuts: elements with data-key="p" are clicked when that key is pressed
  // (outside text fields). The audit verdict page uses them.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    var target = document.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
    if (target) { event.preventDefault(); target.click(); }
  });
  // <textarea data-enter-submits>: Enter sends its form, Shift+Enter starts a new line; Escape
  // leaves the field so the shortcuts work again. An input method's Enter (isComposing) is its own.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[data-enter-submits]") || event.isComposing) return;
    if (event.key === "Escape") { box.blur(); return; }
    if (event.key !== "Enter" || event.shiftKey || !box.form) return;
    event.preventDefault();
    if (box.form.requestSubmit) box.form.requestSubmit(); else box.form.submit();
  });
})();
