/* dawna: after a refused form, name each field by the label the reader sees on the page and
   highlight its input (the server names it by the input's name). No other behaviour. */
(function () {
  "use strict";
  function labelText(input) {
    if (input.getAttribute("aria-label")) { return input.getAttribute("aria-label"); }
    var label = input.closest("label") ||
      (input.id ? document.querySelector('label[for="' + input.id + '"]') : null);
    if (!label) {
      var cell = input.closest("td");
      var row = input.closest("tr");
      label = row && cell && row.querySelector("th");
    }
    if (!label) { return null; }
    var copy = label.cloneNode(true);
    copy.querySelectorAll("input, select, textarea, .hint, button").forEach(function (n) { n.remove(); });
    var text = copy.textContent.replace(/\s+/g, " ").trim();
    return text || null;
  }
  function mark() {
    document.querySelectorAll(".error [data-for]").forEach(function (name) {
      var field = name.getAttribute("data-for");
      if (!field) { return; }
      var inputs = document.querySelectorAll('form [name="' + CSS.escape(field) + '"]');
      inputs.forEach(function (input) {
        input.classList.add("invalid");
        input.setAttribute("aria-invalid", "true");
      });
      for (var i = 0; i < inputs.length; i++) {  /* the first input with a label names it */
        var text = labelText(inputs[i]);
        if (text) { name.textContent = text; break; }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mark);
  } else { mark(); }
  document.addEventListener("htmx:afterSwap", mark);
})();
