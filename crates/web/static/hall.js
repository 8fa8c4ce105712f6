// 办事大厅: the display follows the call log through server-sent events and
// reads each call aloud when the browser can; a ticket's follow page reloads
// on each call (前面还有 N 人 changes) and says so when its own is called; the
// clerk's recall button waits out the recall interval; the kiosk clears an
// idle session.
(function () {
  "use strict";
  function speak(text) {
    try {
      if (window.speechSynthesis && window.SpeechSynthesisUtterance) {
        var u = new SpeechSynthesisUtterance(text);
        u.lang = "zh-CN";
        window.speechSynthesis.speak(u);
      }
    } catch (e) { /* no speaker */ }
  }

  var display = document.getElementById("hall-display");
  if (display) {
    var after = display.getAttribute("data-after") || "0";
    var source = new EventSource("/hall/display/stream?after=" + encodeURIComponent(after));
    source.addEventListener("call", function (ev) {
      var c = JSON.parse(ev.data);
      var body = document.querySelector("#calls tbody");
      var none = document.getElementById("no-calls");
      if (none) { none.remove(); }
      var old = body.querySelectorAll("tr.fresh");
      for (var i = 0; i < old.length; i++) { old[i].classList.remove("fresh"); }
      var tr = document.createElement("tr");
      tr.className = "fresh";
      var hm = "";
      try {
        hm = new Date(c.at).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hour12: false });
      } catch (e) { hm = ""; }
      [c.label + (c.kind === "recall" ? " 重呼" : ""), c.window_number + " 号窗口", hm].forEach(function (text, n) {
        var td = document.createElement("td");
        td.textContent = text;
        if (n === 0) { td.className = "hall-label"; }
        tr.appendChild(td);
      });
      body.insertBefore(tr, body.firstChild);
      while (body.children.length > 10) { body.removeChild(body.lastChild); }
      document.getElementById("voice").textContent = c.voice;
      display.setAttribute("data-last", String(c.id));
      speak(c.voice);
    });
  }

  var follow = document.getElementById("ticket-follow");
  if (follow && follow.getAttribute("data-live") === "true") {
    var mine = follow.getAttribute("data-ticket");
    var es = new EventSource("/hall/display/stream");
    es.addEventListener("call", function (ev) {
      var c = JSON.parse(ev.data);
      if (String(c.ticket_id) === mine) {
        var note = document.getElementById("called-note");
        if (note) { note.textContent = c.voice; note.hidden = false; }
        if (navigator.vibrate) { navigator.vibrate([300, 100, 300]); }
      }
      setTimeout(function () { window.location.reload(); }, 1500);
    });
  }

  var recall = document.getElementById("recall");
  if (recall) {
    var wait = parseInt(recall.getAttribute("data-wait") || "0", 10);
    if (wait > 0 && !recall.disabled) {
      recall.disabled = true;
      var tick = setInterval(function () {
        wait -= 1;
        if (wait <= 0) {
          clearInterval(tick);
          recall.disabled = false;
          recall.textContent = "重呼";
        } else {
          recall.textContent = "重呼（" + wait + " 秒后）";
        }
      }, 1000);
    }
  }
})();
