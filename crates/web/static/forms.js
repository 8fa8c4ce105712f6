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

// File controls (input[type=file][multiple]): each choice adds to the files
// already picked, so a material can be given in several goes; the picked files
// are listed under the control with their size (a thumbnail for images) and a
// 移除 button. A file of a type or size the server refuses is named at once and
// left out. Without JavaScript the control still posts what was chosen.
(function () {
  "use strict";
  var TYPES = /\.(pdf|jpe?g|png)$/i;

  function size(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
    if (n >= 1024) return Math.ceil(n / 1024) + " KB";
    return n + " 字节";
  }

  function setup(input) {
    if (typeof DataTransfer === "undefined") return;
    var list = document.getElementById(input.id + "-picked");
    if (!list) return;
    var max = Number(input.getAttribute("data-max") || "0");
    var kept = new DataTransfer();
    // The browser's own control speaks the browser's language: a button of
    // ours opens the same dialog, and the list below says what was chosen.
    var pick = document.createElement("button");
    pick.type = "button";
    pick.className = "button secondary file-pick";
    pick.textContent = "选择文件";
    pick.addEventListener("click", function () { input.click(); });
    input.classList.add("enhanced");
    input.parentNode.insertBefore(pick, input);

    function render(problems) {
      list.textContent = "";
      pick.textContent = kept.files.length ? "继续添加文件" : "选择文件";
      Array.prototype.forEach.call(kept.files, function (f, i) {
        var li = document.createElement("li");
        if (/^image\//.test(f.type) && window.URL) {
          var img = document.createElement("img");
          img.className = "thumb";
          img.alt = "";
          img.src = URL.createObjectURL(f);
          img.onload = function () { URL.revokeObjectURL(img.src); };
          li.appendChild(img);
        } else {
          var tag = document.createElement("span");
          tag.className = "doc";
          tag.textContent = "PDF";
          li.appendChild(tag);
        }
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = f.name + "（" + size(f.size) + "）";
        li.appendChild(name);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.textContent = "移除";
        remove.setAttribute("aria-label", "移除 " + f.name);
        remove.addEventListener("click", function () {
          var next = new DataTransfer();
          Array.prototype.forEach.call(kept.files, function (g, j) { if (j !== i) next.items.add(g); });
          kept = next;
          input.files = kept.files;
          render([]);
        });
        li.appendChild(remove);
        list.appendChild(li);
      });
      problems.forEach(function (p) {
        var li = document.createElement("li");
        li.className = "check bad";
        li.textContent = p;
        list.appendChild(li);
      });
    }

    input.addEventListener("change", function () {
      var problems = [];
      Array.prototype.forEach.call(input.files, function (f) {
        if (!TYPES.test(f.name)) {
          problems.push("「" + f.name + "」不是 PDF、JPG 或 PNG 文件，未加入");
        } else if (max && f.size > max) {
          problems.push("「" + f.name + "」超过 " + size(max) + "，未加入");
        } else if (f.size === 0) {
          problems.push("「" + f.name + "」是空文件，未加入");
        } else {
          var same = Array.prototype.some.call(kept.files, function (g) {
            return g.name === f.name && g.size === f.size;
          });
          if (!same) kept.items.add(f);
        }
      });
      input.files = kept.files;
      render(problems);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][multiple]"), setup);
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
