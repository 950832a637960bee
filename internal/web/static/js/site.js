// kabinet: small enhancements. Every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen-reader users hear it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
    errorSummaryLinks();
    showPassword();
    channelSwitch();
    strengthMeter();
    resendCountdown();
    noPatronymic();
    verificationProgress();
  });

  // GOV.UK's error summary: a link moves focus to its input and scrolls the
  // input's label (a radio's: its group's legend) into view, so the user
  // sees what the field is, not just the box.
  function errorSummaryLinks() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.addEventListener("click", function (ev) {
      var link = ev.target.closest ? ev.target.closest("a[href^='#']") : null;
      if (!link) { return; }
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) { return; }
      ev.preventDefault();
      // A radio's own label is one answer: its group's legend is the
      // question. Any other field's label is its question.
      var legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
      var own = document.querySelector("label[for='" + input.id + "']");
      var label = input.type === "radio" ? (legend || own) : (own || legend);
      (label || input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  // The show-password button of every password field (GOV.UK's password
  // input): it changes the input's type, says its state in its name and in
  // a status message, and hides the password again before the form goes.
  function showPassword() {
    var boxes = document.querySelectorAll("[data-password-input]");
    Array.prototype.forEach.call(boxes, function (box) {
      var input = box.querySelector("input");
      var button = box.querySelector("button");
      var status = box.querySelector("[data-password-status]");
      if (!input || !button) { return; }
      var set = function (shown, announce) {
        input.type = shown ? "text" : "password";
        button.textContent = button.getAttribute(shown ? "data-hide" : "data-show");
        button.setAttribute("aria-label", button.getAttribute(shown ? "data-hide-label" : "data-show-label"));
        if (announce && status) { status.textContent = button.getAttribute(shown ? "data-shown-status" : "data-hidden-status"); }
      };
      button.hidden = false;
      button.addEventListener("click", function () { set(input.type === "password", true); });
      if (input.form) { input.form.addEventListener("submit", function () { set(false, false); }); }
    });
  }

  // "I have no mobile phone": switch the registration form between phone
  // and e-mail in place, keeping what was typed. Without the script the
  // same buttons post the form, which comes back with the other channel.
  function channelSwitch() {
    var form = document.querySelector("form[data-channels]");
    if (!form) { return; }
    var channel = form.querySelector("[data-channel]");
    form.addEventListener("click", function (ev) {
      var button = ev.target.closest ? ev.target.closest("[data-switch-channel]") : null;
      if (!button) { return; }
      ev.preventDefault();
      var to = button.getAttribute("data-switch-channel");
      channel.value = to;
      Array.prototype.forEach.call(document.querySelectorAll("[data-channel-show]"), function (el) {
        el.hidden = el.getAttribute("data-channel-show") !== to;
      });
      var field = form.querySelector("[data-channel-show='" + to + "'] input");
      if (field) { field.focus(); }
    });
  }

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

  // «Нет отчества» empties and disables the patronymic, so that the two
  // never contradict each other. Without the script the server says so.
  function noPatronymic() {
    var box = document.querySelector("[data-mydata-form] input[name=no_patronymic]");
    var input = box && document.getElementById(box.getAttribute("aria-controls"));
    if (!input) { return; }
    var kept = "";
    var sync = function () {
      if (box.checked && input.value) { kept = input.value; input.value = ""; }
      if (!box.checked && !input.value && kept) { input.value = kept; }
      input.disabled = box.checked;
    };
    box.addEventListener("change", sync);
    sync();
  }

  // While personal data is being checked, each registry's progress is
  // asked for every few seconds and written into the page's live region
  // (screen readers read the change; focus stays where it is). When the
  // check ends, the page reloads to show the result, unless the citizen
  // has started typing in the form: then a link offers the reload.
  function verificationProgress() {
    var box = document.querySelector("[data-verification]");
    if (!box || !window.fetch) { return; }
    var url = box.getAttribute("data-verification");
    var form = document.querySelector("[data-mydata-form]");
    var typed = false;
    if (form) { form.addEventListener("input", function () { typed = true; }); }
    var hint = document.querySelector("[data-no-poll]");
    if (hint) { hint.hidden = true; }
    var poll = function () {
      fetch(url, { headers: { "Accept": "application/json", "Accept-Language": document.documentElement.lang }, credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 401) { return "ended"; } // the session ended: its own page says so
          return r.ok ? r.json() : null;
        })
        .then(function (v) {
          if (v === "ended") { return; }
          if (!v) { setTimeout(poll, 5000); return; }
          (v.checks || []).forEach(function (c) {
            var item = box.querySelector("[data-check='" + c.registry + "']");
            if (!item) { return; }
            var state = item.querySelector("[data-check-state]");
            var reason = item.querySelector("[data-check-reason]");
            var word = box.getAttribute("data-state-" + c.state) || c.state;
            if (state.textContent !== word) {
              state.textContent = word;
              state.className = "checks__state checks__state--" + c.state;
            }
            var because = c.reason ? " — " + c.reason : "";
            if (reason.textContent !== because) { reason.textContent = because; }
          });
          if (v.state === "pending") { setTimeout(poll, 2500); return; }
          if (!typed) { window.location.reload(); return; }
          var done = box.querySelector("[data-finished]");
          if (done) { done.hidden = false; }
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 2500);
  }

  // The password strength meter asks the server for its verdict, so the
  // meter and the form never disagree; a password the rule refuses shows as
  // refused, with the rule's message, never as strong. The bar follows the
  // typing; the status that screen readers read out is written only once
  // typing has paused, and only when the verdict changed.
  function strengthMeter() {
    var form = document.querySelector("form[data-strength-inputs]");
    var box = document.getElementById("password-strength");
    var status = document.getElementById("password-strength-status");
    if (!form || !box || !window.fetch) { return; }
    var input = form.querySelector("input[name=password]");
    var fill = box.querySelector(".strength__fill");
    var label = box.querySelector(".strength__label");
    var hints = box.querySelector(".strength__hints");
    var inputs = (form.getAttribute("data-strength-inputs") || "").split(" ").filter(Boolean);
    var timer = null, pause = null, paused = false, seq = 0, verdict = "", told = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      clearTimeout(pause);
      paused = false;
      if (!input.value) { box.hidden = true; verdict = ""; return; }
      timer = setTimeout(check, 200);
      pause = setTimeout(function () { paused = true; announce(); }, 1000);
    });
    function announce() {
      if (!status || !paused || !verdict || verdict === told) { return; }
      told = verdict;
      status.textContent = verdict;
    }
    function check() {
      var mine = ++seq;
      fetch("/api/v1/password-strength", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang },
        body: JSON.stringify({ password: input.value, inputs: inputs }),
        credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
        if (!v || mine !== seq) { return; }
        var rejected = v.accepted === false && !!v.error;
        box.hidden = false;
        box.classList.toggle("strength--rejected", rejected);
        fill.setAttribute("data-level", rejected ? "rejected" : v.level);
        label.textContent = rejected ? v.error : v.label;
        verdict = label.textContent;
        announce(); // when the answer comes after the pause
        while (hints.firstChild) { hints.removeChild(hints.firstChild); }
        (v.hints || []).forEach(function (h) {
          var li = document.createElement("li");
          li.textContent = h;
          hints.appendChild(li);
        });
      }).catch(function () { box.hidden = true; verdict = ""; });
    }
  }
})();
