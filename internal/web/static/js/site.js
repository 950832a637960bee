// kabinet: small enhancements. Every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen-reader users hear it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
    strengthMeter();
    resendCountdown();
  });

  // Until a new code may be asked for, the resend button waits and the hint
  // counts down. Without the script the server answers with the same rule.
  function resendCountdown() {
    var hint = document.querySelector("[data-resend-in]");
    if (!hint) { return; }
    var button = hint.parentNode.querySelector("button");
    var left = parseInt(hint.getAttribute("data-resend-in"), 10) || 0;
    var template = hint.getAttribute("data-countdown") || "%s";
    if (left <= 0 || !button) { return; }
    button.disabled = true;
    var tick = function () {
      if (left <= 0) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        hint.hidden = true;
        return;
      }
      hint.textContent = template.replace("%s", left);
      left--;
      setTimeout(tick, 1000);
    };
    tick();
  }

  // The password strength meter asks the server for its verdict, so the
  // meter and the form never disagree.
  function strengthMeter() {
    var form = document.querySelector("form[data-strength-inputs]");
    var box = document.getElementById("password-strength");
    if (!form || !box || !window.fetch) { return; }
    var input = form.querySelector("input[name=password]");
    var fill = box.querySelector(".strength__fill");
    var label = box.querySelector(".strength__label");
    var hints = box.querySelector(".strength__hints");
    var inputs = (form.getAttribute("data-strength-inputs") || "").split(" ").filter(Boolean);
    var timer = null, seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      if (!input.value) { box.hidden = true; return; }
      timer = setTimeout(check, 200);
    });
    function check() {
      var mine = ++seq;
      fetch("/api/v1/password-strength", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang },
        body: JSON.stringify({ password: input.value, inputs: inputs }),
        credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
        if (!v || mine !== seq) { return; }
        box.hidden = false;
        fill.setAttribute("data-level", v.level);
        label.textContent = v.error || v.label;
        while (hints.firstChild) { hints.removeChild(hints.firstChild); }
        (v.hints || []).forEach(function (h) {
          var li = document.createElement("li");
          li.textContent = h;
          hints.appendChild(li);
        });
      }).catch(function () { box.hidden = true; });
    }
  }
})();
