// The copy buttons of the melding bij de AP and the letter (data-copy names the element whose text
// is copied) and the print button. The page works without it: the text can be selected by hand.
(function () {
  "use strict";
  function copied(button, ok) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = ok ? "Gekopieerd" : "Kopiëren lukte niet: selecteer de tekst";
    button.classList.toggle("done", ok);
    setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 2500);
  }
  function fallback(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    return ok;
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("button.copy[data-copy]");
    if (button) {
      var el = document.getElementById(button.getAttribute("data-copy"));
      if (!el) { return; }
      var text = el.textContent.trim();
      document.documentElement.setAttribute("data-copied", text);
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(button, true); },
          function () { copied(button, fallback(el)); });
      } else {
        copied(button, fallback(el));
      }
      return;
    }
    if (ev.target.closest("button.print")) {
      window.print();
    }
  });
})();
