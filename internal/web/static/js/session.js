// kabinet: the inactivity warning on signed-in pages (Login.gov's
// pattern). Two minutes before the session ends for inactivity, a modal
// dialog says so, counts down and offers "stay signed in" and "sign out".
// Without this file the page works as before: the session ends on the
// server, and the next page says why.
//
// The server is the only judge of time. The page learns how long is left
// from the number it was rendered with and, before warning or giving up,
// from GET /api/v1/sessions/current, which does not count as activity: so
// another tab's activity, a sleeping laptop or a wrong clock here cannot
// make the warning lie.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("session-warning");
    if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) { return; }
    var warnBefore = parseInt(dialog.getAttribute("data-warn-before"), 10) || 120;
    var statusURL = dialog.getAttribute("data-status");
    var extendURL = dialog.getAttribute("data-extend");
    var next = dialog.getAttribute("data-next") || "/account";
    var template = dialog.getAttribute("data-left-template") || "%s";
    var leftBox = document.getElementById("session-warning-left");
    var stayForm = dialog.querySelector("form[data-stay]");
    var stayButton = stayForm.querySelector("button");
    var timer = null, ticker = null, deadline = 0, returnFocus = null;

    function later(fn, ms) {
      clearTimeout(timer);
      timer = setTimeout(fn, Math.max(0, ms));
    }

    // schedule plans the next look at the server from the seconds left.
    function schedule(secondsLeft) {
      deadline = Date.now() + secondsLeft * 1000;
      if (secondsLeft > warnBefore) {
        close();
        later(check, (secondsLeft - warnBefore) * 1000);
      } else {
        open();
        later(check, secondsLeft * 1000 + 500); // just after the end
      }
    }

    function check() {
      fetch(statusURL, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return answer(r); })
        .catch(function () { later(check, 15000); }); // offline: try again soon
    }

    // answer reads the status or the extension's reply.
    function answer(r) {
      if (r.status === 401) {
        return r.json().then(signedOut, function () { signedOut(null); });
      }
      if (!r.ok) { later(check, 15000); return null; }
      return r.json().then(function (v) { schedule(v.idle_seconds_left); });
    }

    // signedOut goes to the sign-in page, which says why.
    function signedOut(problem) {
      var reason = "idle";
      if (problem && typeof problem.code === "string" && problem.code.indexOf("session.ended.") === 0) {
        reason = problem.code.slice("session.ended.".length);
      }
      window.location.assign("/signin?next=" + encodeURIComponent(next) + "&reason=" + encodeURIComponent(reason));
    }

    function render() {
      var s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var text = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
      leftBox.textContent = template.replace("%s", text);
    }

    function open() {
      render();
      if (!ticker) { ticker = setInterval(render, 1000); }
      if (dialog.open) { return; }
      returnFocus = document.activeElement;
      dialog.showModal();
      stayButton.focus();
    }

    function close() {
      clearInterval(ticker);
      ticker = null;
      if (!dialog.open) { return; }
      dialog.close();
      if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
    }

    function stay() {
      fetch(extendURL, { method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return answer(r); })
        .catch(function () { stayForm.submit(); }); // the plain form does the same
    }

    stayForm.addEventListener("submit", function (e) { e.preventDefault(); stay(); });
    // Escape means the citizen is here: stay signed in.
    dialog.addEventListener("cancel", function (e) { e.preventDefault(); stay(); });
    // Timers sleep with the laptop and in background tabs: look again when
    // the page is seen.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { check(); }
    });

    schedule(parseInt(dialog.getAttribute("data-idle-left"), 10) || 0);
  });
})();
