// Live checks of the application forms: a field with data-check="<kind>" is
// checked against the public GET /api/v1/validate/<kind>/<value> while the
// applicant types (after a short pause) and when the field is left. The reason
// is shown beside the field, a tick when the value is valid. The submit button
// stays usable: the server checks everything again on submission.
(function () {
  "use strict";
  var PAUSE_MS = 350;
  var timers = new WeakMap();

  function box(input) {
    return document.getElementById(input.id + "-check");
  }

  function show(input, state, text) {
    var el = box(input);
    if (!el) return;
    el.className = "check" + (state ? " " + state : "");
    el.textContent = text;
    if (state === "bad") input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function check(input) {
    var kind = input.getAttribute("data-check");
    var value = input.value.trim();
    var seq = String(Number(input.getAttribute("data-seq") || "0") + 1);
    input.setAttribute("data-seq", seq);
    if (!value) {
      show(input, "", "");
      return;
    }
    var url = "/api/v1/validate/" + encodeURIComponent(kind) + "/" + encodeURIComponent(value);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (v) {
        if (input.getAttribute("data-seq") !== seq) return; // a newer check is under way
        if (!v) { show(input, "", ""); return; }
        if (v.valid) {
          show(input, "ok", "✓ 校验通过");
        } else if (input.hasAttribute("data-advisory")) {
          show(input, "warn", "提示：" + (v.reason || "请核对"));
        } else {
          show(input, "bad", v.reason || "格式不正确");
        }
      })
      .catch(function () {
        // Offline or the server is away: say nothing, the server checks on submit.
        if (input.getAttribute("data-seq") === seq) show(input, "", "");
      });
  }

  function checked(target) {
    return target && target.hasAttribute && target.hasAttribute("data-check") ? target : null;
  }

  document.addEventListener("input", function (e) {
    var input = checked(e.target);
    if (!input) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(function () { check(input); }, PAUSE_MS));
  });

  document.addEventListener("focusout", function (e) {
    var input = checked(e.target);
    if (!input) return;
    clearTimeout(timers.get(input));
    check(input);
  });
})();

// 好差评: show only the reasons of the level chosen (without the script every
// group shows, each titled with its levels, and the server checks the choice).
(function () {
  "use strict";
  var form = document.getElementById("rating-form");
  if (!form) return;
  function sync() {
    var chosen = form.querySelector("input[name=level]:checked");
    var groups = form.querySelectorAll(".reason-group");
    for (var i = 0; i < groups.length; i++) {
      var g = groups[i];
      var on = chosen && (" " + g.getAttribute("data-levels") + " ").indexOf(" " + chosen.value + " ") >= 0;
      g.hidden = !on;
      if (!on) {
        var boxes = g.querySelectorAll("input[type=checkbox]");
        for (var j = 0; j < boxes.length; j++) boxes[j].checked = false;
      }
    }
  }
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "level") sync();
  });
  sync();
})();
