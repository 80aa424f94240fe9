// Keeps the "nog 41 uur" countdowns current without reloading the page. The page works without
// it: the server renders the same words. Time is the server's (body data-now) plus the time since
// the page loaded, so a browser with a wrong clock shows the right deadline.
(function () {
  "use strict";
  var serverNow = Number(document.body.getAttribute("data-now"));
  var loaded = Date.now();
  if (!serverNow) {
    return;
  }
  document.documentElement.setAttribute("data-countdown", "live");
  var HOUR = 3600 * 1000, MINUTE = 60 * 1000;
  function tick() {
    var now = serverNow + (Date.now() - loaded);
    var clocks = document.querySelectorAll(".clock[data-deadline]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left = Number(el.getAttribute("data-deadline")) - now;
      var text, cls = "ok";
      if (left <= 0) {
        text = "termijn verstreken";
        cls = "overdue";
      } else if (left < HOUR) {
        text = "nog " + Math.max(1, Math.floor(left / MINUTE)) + " min";
        cls = "soon";
      } else {
        text = "nog " + Math.floor(left / HOUR) + " uur";
        if (left < 24 * HOUR) {
          cls = "soon";
        }
      }
      if (el.textContent !== text) {
        el.textContent = text;
      }
      el.classList.remove("ok", "soon", "overdue");
      el.classList.add(cls);
    }
  }
  setInterval(tick, 30 * 1000);
})();
