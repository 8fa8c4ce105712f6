// The self-service kiosk: the on-screen keypad, the idle countdown that signs
// the user out (the server ends an idle session on its own too), and printing
// a PDF through a hidden frame, falling back to showing it.
(function () {
  "use strict";
  var body = document.body;

  document.querySelectorAll(".k-keypad").forEach(function (pad) {
    var input = document.getElementById(pad.getAttribute("data-target"));
    if (!input) { return; }
    pad.addEventListener("click", function (e) {
      var key = e.target.closest("[data-key]");
      if (!key) { return; }
      var k = key.getAttribute("data-key");
      var max = parseInt(input.getAttribute("maxlength") || "64", 10);
      if (k === "del") { input.value = input.value.slice(0, -1); }
      else if (k === "clear") { input.value = ""; }
      else if (input.value.length < max) { input.value += k; }
      input.focus();
    });
  });

  var idle = parseInt(body.getAttribute("data-idle") || "0", 10);
  var signout = document.getElementById("k-signout");
  if (idle > 0 && signout) {
    // The countdown ends when the server's idle time does.
    var warnAt = Math.max(idle - 30, Math.ceil(idle / 2));
    var overlay = document.getElementById("k-idle");
    var left = document.getElementById("k-idle-left");
    var last = Date.now();
    var touched = function () {
      last = Date.now();
      if (overlay) { overlay.hidden = true; }
    };
    ["pointerdown", "keydown", "touchstart", "input"].forEach(function (ev) {
      document.addEventListener(ev, touched, true);
    });
    var stay = document.getElementById("k-stay");
    if (stay) {
      stay.addEventListener("click", function () {
        touched();
        // Tell the server the user is still here.
        fetch(window.location.href, { credentials: "same-origin" }).catch(function () {});
      });
    }
    var done = false;
    setInterval(function () {
      if (done) { return; }
      var quiet = (Date.now() - last) / 1000;
      if (quiet >= idle) {
        done = true;
        signout.submit();
      } else if (quiet >= warnAt && overlay) {
        overlay.hidden = false;
        if (left) { left.textContent = String(Math.ceil(idle - quiet)); }
      }
    }, 250);
  }

  var note = document.getElementById("k-printing");
  var fallback = document.getElementById("k-print-fallback");
  document.querySelectorAll("a.k-print[data-pdf]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      var url = a.getAttribute("data-pdf");
      var old = document.getElementById("k-frame");
      if (old) { old.remove(); }
      var frame = document.createElement("iframe");
      frame.id = "k-frame";
      frame.className = "k-frame";
      frame.title = "打印";
      frame.addEventListener("load", function () {
        try {
          frame.contentWindow.focus();
          frame.contentWindow.print();
        } catch (err) {
          window.location.href = url;
        }
      });
      frame.src = url;
      document.body.appendChild(frame);
      if (note) { note.hidden = false; }
      if (fallback) { fallback.setAttribute("href", url); }
    });
  });
})();
